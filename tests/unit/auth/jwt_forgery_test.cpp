// Forged, tampered and malformed tokens: every one must be refused with "Invalid token".
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "jwt_test_util.hpp"

namespace ov::auth {
namespace {

using testing::b64url;
using testing::make_token;
using testing::payload;

constexpr std::int64_t kNow = 1795485995;
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";
const std::string kHs256 = R"({"alg":"HS256","typ":"JWT"})";

void expect_invalid(const std::string& token, TokenType type = TokenType::access) {
  auto r = JwtCodec(kSecret).verify(token, type, kNow);
  ASSERT_FALSE(r.ok()) << "accepted: " << token;
  EXPECT_EQ(r.error().code, Errc::unauthenticated) << token;
  EXPECT_EQ(r.error().message, "Invalid token") << token;
}

struct Parts {
  std::string header, payload, signature;
};
Parts split(const std::string& token) {
  auto d1 = token.find('.');
  auto d2 = token.rfind('.');
  return {token.substr(0, d1), token.substr(d1 + 1, d2 - d1 - 1), token.substr(d2 + 1)};
}

TEST(JwtForgery, TheBaselineTokenIsAccepted) {  // so the refusals below mean something
  EXPECT_TRUE(
      JwtCodec(kSecret)
          .verify(make_token(kHs256, payload("access", kNow), kSecret), TokenType::access, kNow)
          .ok());
}

TEST(JwtForgery, TamperedPayloadIsRefused) {
  JwtCodec codec(kSecret);
  Parts p = split(make_token(kHs256, payload("access", kNow, R"(,"role":"user")"), kSecret));
  std::string escalated = b64url(payload("access", kNow, R"(,"role":"admin")"));
  expect_invalid(p.header + "." + escalated + "." + p.signature);
  std::string longer = b64url(payload("access", kNow + 100000));
  expect_invalid(p.header + "." + longer + "." + p.signature);
}

TEST(JwtForgery, TamperedSignatureIsRefused) {
  Parts p = split(make_token(kHs256, payload("access", kNow), kSecret));
  for (std::size_t i : {std::size_t{0}, p.signature.size() / 2, p.signature.size() - 2}) {
    std::string sig = p.signature;
    sig[i] = sig[i] == 'A' ? 'B' : 'A';
    expect_invalid(p.header + "." + p.payload + "." + sig);
  }
  expect_invalid(p.header + "." + p.payload + "." + p.signature.substr(0, 42));  // 31 bytes
  expect_invalid(p.header + "." + p.payload + "." + p.signature + "AAAA");       // 35 bytes
  expect_invalid(p.header + "." + p.payload + ".");
}

TEST(JwtForgery, SignatureByAnotherKeyIsRefused) {
  expect_invalid(make_token(kHs256, payload("access", kNow), kSecret + "x"));
  expect_invalid(make_token(kHs256, payload("access", kNow), ""));
  expect_invalid(make_token(kHs256, payload("access", kNow), "secret"));
}

TEST(JwtForgery, AlgNoneIsRefusedWithOrWithoutASignature) {
  std::string body = b64url(payload("access", kNow));
  for (std::string h :
       {R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})", R"({"alg":"NONE"})"}) {
    expect_invalid(b64url(h) + "." + body + ".");
    // Even correctly HMAC'd with our key: alg is pinned, not merely checked by the signature.
    expect_invalid(make_token(h, payload("access", kNow), kSecret));
  }
}

TEST(JwtForgery, OtherAlgorithmsAreRefused) {
  std::string p = payload("access", kNow);
  expect_invalid(make_token(R"({"alg":"HS512","typ":"JWT"})", p, kSecret, EVP_sha512()));
  expect_invalid(make_token(R"({"alg":"HS512","typ":"JWT"})", p, kSecret));  // HS256 bytes
  expect_invalid(make_token(R"({"alg":"HS384","typ":"JWT"})", p, kSecret, EVP_sha384()));
  // RS256 "signed" with the HMAC key: the classic key-confusion attack.
  expect_invalid(make_token(R"({"alg":"RS256","typ":"JWT"})", p, kSecret));
  expect_invalid(make_token(R"({"alg":"ES256","typ":"JWT"})", p, kSecret));
  expect_invalid(make_token(R"({"alg":"hs256","typ":"JWT"})", p, kSecret));
  expect_invalid(make_token(R"({"alg":"HS256 ","typ":"JWT"})", p, kSecret));
}

TEST(JwtForgery, HeadersThatAreNotAPlainHs256ObjectAreRefused) {
  std::string p = payload("access", kNow);
  expect_invalid(make_token(R"({"typ":"JWT"})", p, kSecret));  // missing alg
  expect_invalid(make_token(R"({"alg":null})", p, kSecret));
  expect_invalid(make_token(R"({"alg":256})", p, kSecret));
  expect_invalid(make_token(R"({"alg":["HS256"]})", p, kSecret));
  expect_invalid(make_token(R"(["HS256"])", p, kSecret));
  expect_invalid(make_token(R"("HS256")", p, kSecret));
  expect_invalid(make_token("alg=HS256", p, kSecret));          // not JSON
  expect_invalid(make_token(R"({"alg":"HS256")", p, kSecret));  // truncated JSON
  expect_invalid(make_token("", p, kSecret));
  expect_invalid(make_token(R"({"alg":"HS256","crit":["exp"]})", p, kSecret));
}

TEST(JwtForgery, SegmentCountMustBeThree) {
  Parts p = split(make_token(kHs256, payload("access", kNow), kSecret));
  expect_invalid("");
  expect_invalid(".");
  expect_invalid("..");
  expect_invalid("...");
  expect_invalid(p.header + "." + p.payload);
  expect_invalid(p.header + "." + p.payload + "." + p.signature + ".");
  expect_invalid(p.header + "." + p.payload + "." + p.signature + "." + p.signature);
  expect_invalid(p.header + ".." + p.payload + "." + p.signature);
}

TEST(JwtForgery, BadBase64UrlIsRefused) {
  std::string token = make_token(kHs256, payload("access", kNow), kSecret);
  Parts p = split(token);
  expect_invalid(p.header + "==." + p.payload + "." + p.signature);  // padding
  expect_invalid(p.header + "." + p.payload + "." + p.signature + "=");
  expect_invalid(" " + token);
  expect_invalid(token + "\n");
  std::string plus = p.signature;
  plus[5] = '+';
  expect_invalid(p.header + "." + p.payload + "." + plus);
  std::string slash = p.payload;
  slash[3] = '/';
  expect_invalid(p.header + "." + slash + "." + p.signature);
  // The same bytes spelled with non-zero unused bits in the last character.
  std::string sig = p.signature;  // 32 bytes -> 43 chars, the last carries 4 bits + 2 unused
  static const std::string kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  sig.back() = kAlphabet[kAlphabet.find(sig.back()) | 1];
  if (sig != p.signature) expect_invalid(p.header + "." + p.payload + "." + sig);
  expect_invalid(p.header + "." + p.payload + "." + std::string(p.signature.size(), '*'));
}

}  // namespace
}  // namespace ov::auth
