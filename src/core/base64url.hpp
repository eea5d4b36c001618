#pragma once
// Base64url without padding (RFC 4648 §5), as JWS compact serialisation uses it.
#include <optional>
#include <string>
#include <string_view>

namespace ov {

std::string base64url_encode(std::string_view bytes);
// Strict: only A-Z a-z 0-9 - _, no '=' padding, no whitespace, a length that is not 1 mod 4,
// and zero unused bits in the last character (so each byte string has exactly one encoding).
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace ov
