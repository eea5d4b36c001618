// Accept-Encoding negotiation (RFC 9110 §12.5.3): a coding's own item wins over "*", q=0
// refuses, and names compare without case.
#include <gtest/gtest.h>

#include "http/middleware.hpp"

namespace ov::http {
namespace {

TEST(AcceptEncoding, ACodingListedWithoutAWeightIsAccepted) {
  EXPECT_TRUE(accepts_encoding("gzip, deflate, br", "br"));
  EXPECT_TRUE(accepts_encoding("gzip, deflate, br", "gzip"));
  EXPECT_TRUE(accepts_encoding("  BR ", "br"));
  EXPECT_FALSE(accepts_encoding("gzip, deflate", "br"));
  EXPECT_FALSE(accepts_encoding("", "gzip"));
  EXPECT_FALSE(accepts_encoding("brotli", "br"));  // a name, not a prefix
}

TEST(AcceptEncoding, AZeroWeightRefuses) {
  EXPECT_FALSE(accepts_encoding("br;q=0, gzip", "br"));
  EXPECT_TRUE(accepts_encoding("br;q=0, gzip", "gzip"));
  EXPECT_FALSE(accepts_encoding("gzip;q=0.000", "gzip"));
  EXPECT_TRUE(accepts_encoding("gzip;q=0.5", "gzip"));
  EXPECT_TRUE(accepts_encoding("gzip; Q=1", "gzip"));
}

TEST(AcceptEncoding, TheStarStandsForEveryCodingNotNamed) {
  EXPECT_TRUE(accepts_encoding("*", "br"));
  EXPECT_FALSE(accepts_encoding("*;q=0", "br"));
  EXPECT_TRUE(accepts_encoding("*;q=0, gzip", "gzip"));
  EXPECT_FALSE(accepts_encoding("*;q=0, gzip", "br"));
  // The coding's own item wins, whichever comes first.
  EXPECT_FALSE(accepts_encoding("*, br;q=0", "br"));
  EXPECT_FALSE(accepts_encoding("br;q=0, *", "br"));
  EXPECT_TRUE(accepts_encoding("*;q=0, br", "br"));
}

TEST(AcceptEncoding, GzipIsTheSameNegotiation) {
  EXPECT_TRUE(accepts_gzip("deflate, gzip;q=0.8"));
  EXPECT_FALSE(accepts_gzip("deflate, gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("*;q=0"));
}

}  // namespace
}  // namespace ov::http
