#pragma once
// UTF-8 well-formedness (RFC 3629: no overlong forms, no surrogates, nothing beyond U+10FFFF).
// JSON is UTF-8 (RFC 8259): text that reaches a JSON answer from raw bytes (form fields, file
// names, query strings, headers) is checked or repaired here first.
#include <string>
#include <string_view>

namespace ov {

// The length of the well-formed sequence that starts at text[at], or 0 when it is ill-formed.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

bool is_valid_utf8(std::string_view text);

// `text` with every byte that starts no well-formed sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace ov
