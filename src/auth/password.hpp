#pragma once
// Argon2id password hashing (libsodium), PHC strings compatible with argon2-cffi.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ov::auth {

struct PasswordCost {
  std::uint64_t ops = 2;                        // Argon2 t
  std::size_t mem_bytes = 19u * 1024u * 1024u;  // Argon2 m (19 MiB: OWASP's minimum)
};

class PasswordHasher {
 public:
  explicit PasswordHasher(PasswordCost cost);
  std::string hash(std::string_view password) const;  // throws on allocation failure
  bool verify(std::string_view phc, std::string_view password) const;
  // Spends the same time as verify() against a real hash: used for unknown emails so that
  // a login cannot tell them from wrong passwords by timing.
  void verify_dummy(std::string_view password) const;
  bool needs_rehash(std::string_view phc) const;

 private:
  PasswordCost cost_;
  std::string dummy_hash_;
};

}  // namespace ov::auth
