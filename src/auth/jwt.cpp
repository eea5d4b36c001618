// HS256 JSON Web Tokens: compact serialisation, alg pinned, claims checked.
#include "auth/jwt.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <boost/json.hpp>

#include "core/base64url.hpp"

namespace ov::auth {
namespace {

namespace json = boost::json;

constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

Error invalid() {
  return Error{Errc::unauthenticated, "Invalid token"};
}

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

const json::string* string_field(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  return v != nullptr ? v->if_string() : nullptr;
}

// A NumericDate: an integer, or a number with a fraction (truncated). Absent -> nullopt,
// present but not a number -> false.
bool numeric_date(const json::object& o, std::string_view name, std::optional<std::int64_t>& out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return true;
  if (v->is_int64()) {
    out = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(v->get_uint64());
  } else if (v->is_double() && v->get_double() > -9e18 && v->get_double() < 9e18) {
    out = static_cast<std::int64_t>(v->get_double());
  } else {
    return false;
  }
  return true;
}

bool header_acceptable(std::string_view header_b64) {
  auto header_json = base64url_decode(header_b64);
  if (!header_json) return false;
  auto header = parse_object(*header_json);
  if (!header) return false;
  const json::string* alg = string_field(*header, "alg");
  if (alg == nullptr || *alg != "HS256") return false;
  // RFC 7515 §4.1.11: extensions we do not understand must not be ignored.
  return !header->contains("crit");
}

}  // namespace

const char* to_string(TokenType t) {
  return t == TokenType::refresh ? "refresh" : "access";
}

struct JwtCodec::KeyedMac {
  EVP_MAC* algorithm = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // initialised with the key; only ever copied
  ~KeyedMac() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(algorithm);
  }
};

JwtCodec::JwtCodec(std::string secret, std::int64_t leeway_s)
    : keyed_(std::make_unique<KeyedMac>()), leeway_s_(leeway_s < 0 ? 0 : leeway_s) {
  static const unsigned char kNoKey = 0;  // a pointer even for an empty key
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("digest", digest, 0),
                         OSSL_PARAM_construct_end()};
  keyed_->algorithm = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (keyed_->algorithm) keyed_->keyed = EVP_MAC_CTX_new(keyed_->algorithm);
  const auto* key =
      secret.empty() ? &kNoKey : reinterpret_cast<const unsigned char*>(secret.data());
  if (!keyed_->keyed || EVP_MAC_init(keyed_->keyed, key, secret.size(), params) != 1) {
    throw std::runtime_error("HMAC-SHA256 is not available");
  }
  OPENSSL_cleanse(secret.data(), secret.size());
}

JwtCodec::~JwtCodec() = default;
JwtCodec::JwtCodec(JwtCodec&&) noexcept = default;
JwtCodec& JwtCodec::operator=(JwtCodec&&) noexcept = default;

std::string JwtCodec::mac(std::string_view data) const {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_dup(keyed_->keyed),
                                                                &EVP_MAC_CTX_free);
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  std::size_t len = 0;
  if (!ctx ||
      EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(data.data()), data.size()) !=
          1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out.data()), len);
}

std::string JwtCodec::sign(const Claims& claims) const {
  json::object payload;
  payload["sub"] = claims.sub;
  payload["jti"] = claims.jti;
  payload["type"] = to_string(claims.type);
  payload["iat"] = claims.iat;
  payload["nbf"] = claims.nbf;
  payload["exp"] = claims.exp;
  if (!claims.family.empty()) payload["fid"] = claims.family;
  if (!claims.role.empty()) payload["role"] = claims.role;
  if (claims.session_epoch != 0) payload["sep"] = claims.session_epoch;
  std::string signing_input = base64url_encode(kHeader);
  signing_input += '.';
  signing_input += base64url_encode(json::serialize(payload));
  std::string signature = base64url_encode(mac(signing_input));
  return signing_input + '.' + signature;
}

Result<Claims> JwtCodec::verify(std::string_view token, TokenType expected,
                                std::int64_t now_s) const {
  auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return invalid();
  auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return invalid();
  std::string_view signing_input = token.substr(0, dot2);
  std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  if (!header_acceptable(token.substr(0, dot1))) return invalid();

  auto signature = base64url_decode(token.substr(dot2 + 1));
  if (!signature) return invalid();
  std::string expected_mac = mac(signing_input);
  if (signature->size() != expected_mac.size() ||
      CRYPTO_memcmp(signature->data(), expected_mac.data(), expected_mac.size()) != 0)
    return invalid();

  auto payload_json = base64url_decode(payload_b64);
  if (!payload_json) return invalid();
  auto payload = parse_object(*payload_json);
  if (!payload) return invalid();

  const json::string* type = string_field(*payload, "type");
  if (type == nullptr) return invalid();
  if (*type != to_string(expected)) return Error{Errc::unauthenticated, "Wrong token type"};

  std::optional<std::int64_t> iat, nbf, exp, epoch;
  if (!numeric_date(*payload, "iat", iat) || !numeric_date(*payload, "nbf", nbf) ||
      !numeric_date(*payload, "exp", exp) || !exp || !numeric_date(*payload, "sep", epoch))
    return invalid();
  if (*exp <= now_s - leeway_s_) return Error{Errc::unauthenticated, "Token expired"};
  if (nbf && *nbf > now_s + leeway_s_) return Error{Errc::unauthenticated, "Token not yet valid"};

  const json::string* sub = string_field(*payload, "sub");
  const json::string* jti = string_field(*payload, "jti");
  if (sub == nullptr || sub->empty() || jti == nullptr || jti->empty()) return invalid();

  Claims claims;
  claims.sub = std::string(*sub);
  claims.jti = std::string(*jti);
  claims.type = expected;
  claims.iat = iat.value_or(0);
  claims.nbf = nbf.value_or(0);
  claims.exp = *exp;
  if (const json::string* fid = string_field(*payload, "fid")) claims.family = std::string(*fid);
  if (const json::string* role = string_field(*payload, "role")) claims.role = std::string(*role);
  claims.session_epoch = epoch.value_or(0);
  return claims;
}

}  // namespace ov::auth
