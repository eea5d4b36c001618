#pragma once
// multipart/form-data (RFC 7578) over a body already in memory and size-limited by the
// server. Parts are views into the body: no copies of uploaded files.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ov::http {

struct FormPart {
  std::string name;
  std::optional<std::string> filename;  // present for file fields
  std::string content_type;             // as sent, lower-cased media type; "" when absent
  std::string_view data;                // into the request body
};

struct MultipartLimits {
  std::size_t max_parts = 256;
  std::size_t max_part_header_bytes = 8 * 1024;
};

// The boundary parameter of a multipart/form-data Content-Type, or nullopt.
std::optional<std::string> multipart_boundary(std::string_view content_type);

// Errc::invalid_argument with a reason for a malformed body.
Result<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                              const MultipartLimits& limits = {});

}  // namespace ov::http
