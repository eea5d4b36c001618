#include "core/utf8.hpp"

#include <gtest/gtest.h>

#include "core/text.hpp"

namespace ov {
namespace {

TEST(Utf8, WellFormedText) {
  const std::string_view cases[] = {"",
                                    "plain ascii",
                                    "caf\xC3\xA9",
                                    "\xE2\x82\xAC 5",
                                    "\xF0\x9F\x98\x80",
                                    "\xED\x9F\xBF",
                                    "\xF4\x8F\xBF\xBF",
                                    std::string_view("nul\0ok", 6)};
  for (std::string_view text : cases) {
    EXPECT_TRUE(is_valid_utf8(text)) << text;
    EXPECT_EQ(to_valid_utf8(text), text);
  }
}

TEST(Utf8, IllFormedText) {
  for (std::string_view text : {
           "\xFF",              // never in UTF-8
           "\x80",              // a lone continuation byte
           "caf\xE9",           // Latin-1
           "\xC0\xAF",          // overlong '/'
           "\xE0\x80\xAF",      // overlong, three bytes
           "\xED\xA0\x80",      // a surrogate
           "\xF4\x90\x80\x80",  // beyond U+10FFFF
           "\xF5\x80\x80\x80",  // no such lead byte
           "\xE2\x82",          // truncated
       }) {
    EXPECT_FALSE(is_valid_utf8(text)) << text;
    EXPECT_TRUE(is_valid_utf8(to_valid_utf8(text))) << text;
  }
  EXPECT_EQ(to_valid_utf8("caf\xE9!"), "caf\xEF\xBF\xBD!");
  EXPECT_EQ(to_valid_utf8("\xE2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8, JsonEscapeKeepsUtf8AndReplacesTheRest) {
  EXPECT_EQ(json_escape("caf\xC3\xA9 \"q\"\n"), "caf\xC3\xA9 \\\"q\\\"\\n");
  EXPECT_EQ(json_escape("a\xFF"
                        "b\xE2\x82"),
            "a\\ufffdb\\ufffd\\ufffd");
}

}  // namespace
}  // namespace ov
