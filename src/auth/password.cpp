// Argon2id password hashes through libsodium, as PHC strings ($argon2id$v=19$m=..,t=..,p=1$..).
#include "auth/password.hpp"

#include <sodium.h>

#include <new>
#include <stdexcept>
#include <string>

namespace ov::auth {
namespace {

// libsodium wants NUL-terminated strings no longer than crypto_pwhash_STRBYTES - 1.
bool plausible_phc(std::string_view phc) {
  return !phc.empty() && phc.size() < crypto_pwhash_argon2id_STRBYTES &&
         phc.find('\0') == std::string_view::npos;
}

}  // namespace

PasswordHasher::PasswordHasher(PasswordCost cost) : cost_(cost) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  if (cost_.ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      cost_.mem_bytes < crypto_pwhash_argon2id_MEMLIMIT_MIN) {
    throw std::invalid_argument("Argon2id cost below libsodium's minimum");
  }
  // The dummy is a real hash at the same cost, so verify_dummy() does the same work.
  dummy_hash_ = hash("objectvision dummy password (never matches a login)");
}

std::string PasswordHasher::hash(std::string_view password) const {
  char out[crypto_pwhash_argon2id_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), cost_.ops, cost_.mem_bytes,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::bad_alloc();  // the only failure with valid limits: out of memory
  }
  return std::string(out);
}

bool PasswordHasher::verify(std::string_view phc, std::string_view password) const {
  if (!plausible_phc(phc)) return false;
  std::string terminated(phc);
  // The argon2id-specific entry point refuses $argon2i$ and anything else; it reads m, t and p
  // from the string, so hashes made with other parameters (argon2-cffi's p=4) verify too.
  return crypto_pwhash_argon2id_str_verify(terminated.c_str(), password.data(), password.size()) ==
         0;
}

void PasswordHasher::verify_dummy(std::string_view password) const {
  // The answer is meaningless (the dummy matches no real password); the work is the point.
  [[maybe_unused]] int rc =
      crypto_pwhash_argon2id_str_verify(dummy_hash_.c_str(), password.data(), password.size());
}

bool PasswordHasher::needs_rehash(std::string_view phc) const {
  if (!plausible_phc(phc)) return true;
  std::string terminated(phc);
  // 0: current; 1: other parameters; -1: not an argon2id string. Both of the latter: rehash.
  return crypto_pwhash_argon2id_str_needs_rehash(terminated.c_str(), cost_.ops, cost_.mem_bytes) !=
         0;
}

}  // namespace ov::auth
