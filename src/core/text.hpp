#pragma once
// Small text helpers for validation.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ov {

// Without leading and trailing ASCII whitespace.
inline std::string trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return std::string(s.substr(b, s.find_last_not_of(ws) - b + 1));
}

// The same as a view into `s`: spaces and tabs only (header and list syntax).
std::string_view trim_blanks(std::string_view s);
// Splits on `separator`, trims spaces and tabs from each item and drops the empty ones.
std::vector<std::string_view> split_list(std::string_view text, char separator);

// Escapes text for the inside of a JSON string literal (no surrounding quotes); bytes that are
// not well-formed UTF-8 become \ufffd.
std::string json_escape(std::string_view text);

// Bytes as lower-case hexadecimal, two digits each (digests, signatures).
std::string hex_lower(std::span<const unsigned char> bytes);

}  // namespace ov
