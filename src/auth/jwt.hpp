#pragma once
// JSON Web Tokens, HS256 only (RFC 7519 / 7515), signed with OpenSSL HMAC and compared in
// constant time. `alg` is pinned: "none" and every other algorithm are refused.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ov::auth {

enum class TokenType { access, refresh };
const char* to_string(TokenType t);

struct Claims {
  std::string sub;  // user id
  std::string jti;  // token id (UUID)
  TokenType type = TokenType::access;
  std::int64_t iat = 0;  // seconds since the epoch
  std::int64_t nbf = 0;
  std::int64_t exp = 0;
  std::string family;  // refresh tokens: the rotation family id
  std::string role;    // access tokens: "user" | "admin"
  // The user's session epoch when the token was issued ("sep"): a password change or a
  // deactivation raises the epoch, which ends every token issued before it.
  std::int64_t session_epoch = 0;
};

class JwtCodec {
 public:
  explicit JwtCodec(std::string secret, std::int64_t leeway_s = 0);
  ~JwtCodec();
  JwtCodec(JwtCodec&&) noexcept;
  JwtCodec& operator=(JwtCodec&&) noexcept;
  std::string sign(const Claims& claims) const;
  // Errc::unauthenticated with a short reason for: malformed, bad signature, alg other than
  // HS256, wrong type, expired, not yet valid, missing claims.
  Result<Claims> verify(std::string_view token, TokenType expected, std::int64_t now_s) const;

 private:
  // HMAC-SHA256 keyed once: each signature starts from a copy of this state, so the algorithm
  // is not looked up and the key not hashed again per token.
  struct KeyedMac;
  std::string mac(std::string_view data) const;

  std::unique_ptr<KeyedMac> keyed_;
  std::int64_t leeway_s_;
};

}  // namespace ov::auth
