// JWT round trips, claim checks and interoperability with an independent HS256 construction.
#include <string>

#include <gtest/gtest.h>

#include "auth/jwt.hpp"
#include "jwt_test_util.hpp"

namespace ov::auth {
namespace {

using testing::make_token;
using testing::payload;

constexpr std::int64_t kNow = 1795485995;  // 2026-11-24T02:06:35Z
const std::string kSecret = "0123456789abcdef0123456789abcdef-test-secret";

Claims access_claims() {
  Claims c;
  c.sub = "6f1c1b2e-0000-4000-8000-000000000001";
  c.jti = "1d4e1a52-0000-4000-8000-0000000000aa";
  c.type = TokenType::access;
  c.iat = kNow;
  c.nbf = kNow;
  c.exp = kNow + 900;
  c.role = "admin";
  return c;
}

Claims refresh_claims() {
  Claims c = access_claims();
  c.type = TokenType::refresh;
  c.role.clear();
  c.family = "fam-42";
  c.exp = kNow + 7 * 86400;
  return c;
}

void expect_unauthenticated(const Result<Claims>& r, const std::string& message) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unauthenticated);
  EXPECT_EQ(r.error().message, message);
}

TEST(Jwt, AccessTokenRoundTrip) {
  JwtCodec codec(kSecret);
  Claims in = access_claims();
  auto out = codec.verify(codec.sign(in), TokenType::access, kNow);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->sub, in.sub);
  EXPECT_EQ(out->jti, in.jti);
  EXPECT_EQ(out->type, TokenType::access);
  EXPECT_EQ(out->iat, in.iat);
  EXPECT_EQ(out->nbf, in.nbf);
  EXPECT_EQ(out->exp, in.exp);
  EXPECT_EQ(out->role, "admin");
  EXPECT_EQ(out->family, "");
}

TEST(Jwt, RefreshTokenRoundTripCarriesTheFamily) {
  JwtCodec codec(kSecret);
  auto out = codec.verify(codec.sign(refresh_claims()), TokenType::refresh, kNow + 3600);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->type, TokenType::refresh);
  EXPECT_EQ(out->family, "fam-42");
  EXPECT_EQ(out->role, "");
}

TEST(Jwt, SignedTokensUseTheStandardHeaderAndAnIndependentlyCheckableSignature) {
  JwtCodec codec(kSecret);
  std::string token = codec.sign(access_claims());
  auto dot1 = token.find('.');
  auto dot2 = token.rfind('.');
  ASSERT_NE(dot1, dot2);
  EXPECT_EQ(token.substr(0, dot1), testing::b64url(R"({"alg":"HS256","typ":"JWT"})"));
  EXPECT_EQ(token.find('='), std::string::npos);
  std::string input = token.substr(0, dot2);
  EXPECT_EQ(token.substr(dot2 + 1), testing::b64url(testing::hmac(EVP_sha256(), kSecret, input)));
}

TEST(Jwt, VerifiesATokenMadeIndependently) {
  // Hand-written JSON with a different key order and spacing, signed with OpenSSL directly.
  std::string token =
      make_token(R"({"typ":"JWT", "alg":"HS256"})",
                 R"({"exp":1795486895,"role":"user","jti":"abc","iat":1795485995,"type":"access",)"
                 R"("sub":"u-1","nbf":1795485995,"extra":{"ignored":[1,2]}})",
                 kSecret);
  auto out = JwtCodec(kSecret).verify(token, TokenType::access, kNow);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->sub, "u-1");
  EXPECT_EQ(out->jti, "abc");
  EXPECT_EQ(out->role, "user");
  EXPECT_EQ(out->exp, 1795486895);
}

TEST(Jwt, NumericDatesMayHaveFractionsAndNbfIatMayBeAbsent) {
  std::string token =
      make_token(R"({"alg":"HS256"})",
                 R"({"sub":"u","jti":"j","type":"access","exp":1795486000.75})", kSecret);
  auto out = JwtCodec(kSecret).verify(token, TokenType::access, kNow);
  ASSERT_TRUE(out.ok()) << out.error().message;
  EXPECT_EQ(out->exp, 1795486000);
  EXPECT_EQ(out->nbf, 0);
}

TEST(Jwt, ExpiryIsExclusiveAndHonoursTheLeeway) {
  Claims c = access_claims();
  JwtCodec strict(kSecret);
  std::string token = strict.sign(c);
  EXPECT_TRUE(strict.verify(token, TokenType::access, c.exp - 1).ok());
  expect_unauthenticated(strict.verify(token, TokenType::access, c.exp), "Token expired");
  expect_unauthenticated(strict.verify(token, TokenType::access, c.exp + 86400), "Token expired");

  JwtCodec lenient(kSecret, 30);
  EXPECT_TRUE(lenient.verify(token, TokenType::access, c.exp + 29).ok());
  expect_unauthenticated(lenient.verify(token, TokenType::access, c.exp + 30), "Token expired");
}

TEST(Jwt, NotBeforeInTheFutureIsRefused) {
  Claims c = access_claims();
  c.nbf = kNow + 60;
  JwtCodec strict(kSecret);
  std::string token = strict.sign(c);
  expect_unauthenticated(strict.verify(token, TokenType::access, kNow), "Token not yet valid");
  EXPECT_TRUE(strict.verify(token, TokenType::access, kNow + 60).ok());
  JwtCodec lenient(kSecret, 30);
  EXPECT_TRUE(lenient.verify(token, TokenType::access, kNow + 30).ok());
  expect_unauthenticated(lenient.verify(token, TokenType::access, kNow + 29),
                         "Token not yet valid");
}

TEST(Jwt, WrongTypeIsRefusedBothWays) {
  JwtCodec codec(kSecret);
  expect_unauthenticated(codec.verify(codec.sign(refresh_claims()), TokenType::access, kNow),
                         "Wrong token type");
  expect_unauthenticated(codec.verify(codec.sign(access_claims()), TokenType::refresh, kNow),
                         "Wrong token type");
  std::string odd = make_token(R"({"alg":"HS256"})", payload("id", kNow), kSecret);
  expect_unauthenticated(codec.verify(odd, TokenType::access, kNow), "Wrong token type");
}

TEST(Jwt, MissingOrMalformedClaimsAreRefused) {
  JwtCodec codec(kSecret);
  const std::string h = R"({"alg":"HS256","typ":"JWT"})";
  const std::string exp = std::to_string(kNow + 900);
  const char* bad_payloads[] = {
      R"({"jti":"j","type":"access","exp":EXP})",              // no sub
      R"({"sub":"u","type":"access","exp":EXP})",              // no jti
      R"({"sub":"","jti":"j","type":"access","exp":EXP})",     // empty sub
      R"({"sub":"u","jti":"","type":"access","exp":EXP})",     // empty jti
      R"({"sub":7,"jti":"j","type":"access","exp":EXP})",      // sub not a string
      R"({"sub":"u","jti":"j","exp":EXP})",                    // no type
      R"({"sub":"u","jti":"j","type":"access"})",              // no exp
      R"({"sub":"u","jti":"j","type":"access","exp":"EXP"})",  // exp a string
      R"({"sub":"u","jti":"j","type":"access","exp":EXP,"nbf":true})",
      R"(["sub","u"])",                                     // not an object
      R"({"sub":"u","jti":"j","type":"access","exp":EXP)",  // truncated JSON
      "",
  };
  for (std::string p : bad_payloads) {
    for (auto at = p.find("EXP"); at != std::string::npos; at = p.find("EXP"))
      p.replace(at, 3, exp);
    auto r = codec.verify(make_token(h, p, kSecret), TokenType::access, kNow);
    ASSERT_FALSE(r.ok()) << p;
    EXPECT_EQ(r.error().code, Errc::unauthenticated) << p;
  }
}

TEST(Jwt, KeysOfAnyLengthWork) {
  for (std::string key : {std::string(), std::string("k"), std::string(200, 'x')}) {
    JwtCodec codec(key);
    std::string token = codec.sign(access_claims());
    EXPECT_TRUE(codec.verify(token, TokenType::access, kNow).ok()) << key.size();
    // An independent HMAC with the same key makes the same signature.
    std::string input = token.substr(0, token.rfind('.'));
    EXPECT_EQ(token.substr(token.rfind('.') + 1),
              testing::b64url(testing::hmac(EVP_sha256(), key, input)));
    EXPECT_FALSE(JwtCodec(key + "?").verify(token, TokenType::access, kNow).ok());
  }
}

}  // namespace
}  // namespace ov::auth
