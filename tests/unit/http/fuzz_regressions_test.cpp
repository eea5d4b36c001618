// Inputs the fuzz targets (fuzz/) found crashing, kept as unit tests; the inputs themselves
// are also replayed by scripts/fuzz.sh from fuzz/regressions/<target>/.
#include <gtest/gtest.h>

#include "http/multipart.hpp"

namespace ov::http {
namespace {

// fuzz_multipart: one stray byte before the first delimiter made `pos - 2` wrap around
// (std::out_of_range from substr; the server answered 500).
TEST(FuzzRegressions, MultipartOneStrayByteBeforeTheFirstDelimiter) {
  const std::string part =
      "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nv\r\n--XyZ--";
  for (const std::string preamble : {"x", "\n", "\r"}) {
    Result<std::vector<FormPart>> parts = Error{Errc::internal, ""};
    EXPECT_NO_THROW(parts = parse_multipart(preamble + part, "XyZ")) << preamble;
    ASSERT_FALSE(parts.ok()) << preamble;
    EXPECT_EQ(parts.error().code, Errc::invalid_argument);
  }
  EXPECT_TRUE(parse_multipart("\r\n" + part, "XyZ").ok());  // an empty preamble line is fine
  EXPECT_TRUE(parse_multipart("ab\r\n" + part, "XyZ").ok());
}

}  // namespace
}  // namespace ov::http
