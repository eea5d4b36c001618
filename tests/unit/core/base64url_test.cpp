#include <string>

#include <gtest/gtest.h>

#include "core/base64url.hpp"

namespace ov {
namespace {

TEST(Base64Url, Rfc4648Vectors) {  // RFC 4648 §10, without padding, url alphabet
  EXPECT_EQ(base64url_encode(""), "");
  EXPECT_EQ(base64url_encode("f"), "Zg");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
  EXPECT_EQ(base64url_encode("foo"), "Zm9v");
  EXPECT_EQ(base64url_encode("foob"), "Zm9vYg");
  EXPECT_EQ(base64url_encode("fooba"), "Zm9vYmE");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("\xfb\xff\xbf"), "-_-_");
}

TEST(Base64Url, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    std::string part = all.substr(0, n);
    auto back = base64url_decode(base64url_encode(part));
    ASSERT_TRUE(back.has_value()) << n;
    EXPECT_EQ(*back, part);
  }
}

TEST(Base64Url, StrictDecoding) {
  EXPECT_EQ(base64url_decode("Zm9vYg").value_or("?"), "foob");
  EXPECT_FALSE(base64url_decode("Zm9vYg==").has_value());  // padding
  EXPECT_FALSE(base64url_decode("Zm9v+g").has_value());    // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm9v/g").has_value());
  EXPECT_FALSE(base64url_decode("Zm9 vYg").has_value());  // whitespace
  EXPECT_FALSE(base64url_decode("Zm9vY").has_value());    // length 1 mod 4
  EXPECT_FALSE(base64url_decode("Zh").has_value());       // non-zero unused bits ("Zg" is f)
  EXPECT_EQ(base64url_decode("Zm8").value_or("?"), "fo");
  EXPECT_FALSE(base64url_decode("Zm9").has_value());  // "fo" with a stray low bit
  EXPECT_FALSE(base64url_decode("Zm-").has_value());  // '-' = 62 leaves two bits set
  EXPECT_FALSE(base64url_decode(std::string("Zm\0v", 4)).has_value());
}

}  // namespace
}  // namespace ov
