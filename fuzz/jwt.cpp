// JWT verification. Input: one mode byte, then either a whole token (mode even), or a header
// JSON and a payload JSON separated by a newline (mode odd) that are encoded and signed with
// the right key here, so that the claim checks behind the signature are reached too. A token
// that verifies must survive being signed again from its claims.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <string>

#include "auth/jwt.hpp"
#include "core/base64url.hpp"
#include "fuzz/fuzz_check.hpp"

namespace {

constexpr std::string_view kSecret = "fuzz-secret-0123456789abcdef0123456789";
constexpr std::int64_t kNow = 1'700'000'000;

std::string sign_raw(std::string_view header, std::string_view payload) {
  std::string input = ov::base64url_encode(header) + "." + ov::base64url_encode(payload);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &len);
  return input + "." +
         ov::base64url_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), len));
}

void check_verified(const ov::auth::JwtCodec& codec, const ov::auth::Claims& claims,
                    ov::auth::TokenType type) {
  FUZZ_CHECK(!claims.sub.empty() && !claims.jti.empty(), "verified without sub or jti");
  FUZZ_CHECK(claims.type == type, "verified as the wrong type");
  FUZZ_CHECK(claims.exp > kNow, "verified an expired token");
  FUZZ_CHECK(claims.nbf <= kNow, "verified a token not yet valid");
  auto again = codec.verify(codec.sign(claims), type, kNow);
  FUZZ_CHECK(again.ok(), again.error().message);
  FUZZ_CHECK(again->sub == claims.sub && again->jti == claims.jti && again->exp == claims.exp &&
                 again->nbf == claims.nbf && again->iat == claims.iat &&
                 again->family == claims.family && again->role == claims.role &&
                 again->session_epoch == claims.session_epoch,
             "claims changed in a sign/verify round trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const ov::auth::JwtCodec codec{std::string(kSecret)};
  std::string_view rest = ov::fuzz::as_text(data + 1, size - 1);
  std::string token;
  if (data[0] % 2 == 0) {
    token.assign(rest);
  } else {
    auto newline = rest.find('\n');
    token = sign_raw(rest.substr(0, newline),
                     newline == std::string_view::npos ? "" : rest.substr(newline + 1));
  }
  for (auto type : {ov::auth::TokenType::access, ov::auth::TokenType::refresh}) {
    auto claims = codec.verify(token, type, kNow);
    if (claims) {
      check_verified(codec, *claims, type);
    } else {
      FUZZ_CHECK(claims.error().code == ov::Errc::unauthenticated, claims.error().message);
    }
  }
  return 0;
}
