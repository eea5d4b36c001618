// multipart/form-data as the upload handlers read it: the boundary from a Content-Type, then
// the body. Input: the Content-Type value, a newline, the body.
#include <string>

#include "fuzz/fuzz_check.hpp"
#include "http/multipart.hpp"

namespace {

void check_parts(std::string_view body, const ov::http::MultipartLimits& limits,
                 const std::vector<ov::http::FormPart>& parts) {
  FUZZ_CHECK(parts.size() <= limits.max_parts, "more parts than the limit");
  for (const auto& part : parts) {
    FUZZ_CHECK(part.data.data() >= body.data() &&
                   part.data.data() + part.data.size() <= body.data() + body.size(),
               "a part's data is not a view into the body");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input = ov::fuzz::as_text(data, size);
  auto newline = input.find('\n');
  std::string_view content_type = input.substr(0, newline);
  std::string_view body = newline == std::string_view::npos ? "" : input.substr(newline + 1);

  auto boundary = ov::http::multipart_boundary(content_type);
  if (boundary) {
    FUZZ_CHECK(!boundary->empty() && boundary->size() <= 70, *boundary);
  }
  const std::string delimiter = boundary.value_or("XyZ");
  const ov::http::MultipartLimits defaults;
  const ov::http::MultipartLimits tight{4, 64};
  for (const auto& limits : {defaults, tight}) {
    auto parts = ov::http::parse_multipart(body, delimiter, limits);
    if (parts) check_parts(body, limits, *parts);
  }
  return 0;
}
