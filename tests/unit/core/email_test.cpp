#include "core/email.hpp"

#include <gtest/gtest.h>

namespace ov {
namespace {

TEST(Email, ValidAddressesAreLowerCased) {
  EXPECT_EQ(normalize_email("Ann.Lee+tag@Example.COM"), "ann.lee+tag@example.com");
  EXPECT_EQ(normalize_email("a@b.io"), "a@b.io");
  EXPECT_EQ(normalize_email("x_y@sub-domain.example.org"), "x_y@sub-domain.example.org");
}

TEST(Email, InvalidAddressesAreRefused) {
  for (const char* bad : {"", "plain", "@example.com", "ann@", "ann@example", "ann@.com",
                          "ann@example.c", "ann@exa mple.com", "a..b@example.com", ".a@example.com",
                          "a.@example.com", "ann@-example.com", "ann@example-.com",
                          "ann@example.c0m", "a b@example.com", "ann@@example.com"}) {
    EXPECT_EQ(normalize_email(bad), std::nullopt) << bad;
  }
  EXPECT_EQ(normalize_email(std::string(250, 'a') + "@x.io"), std::nullopt);
}

}  // namespace
}  // namespace ov
