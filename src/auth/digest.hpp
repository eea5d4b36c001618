#pragma once
// SHA-256 as lower-case hex (API keys are stored as their digest).
#include <string>
#include <string_view>

namespace ov::auth {
std::string sha256_hex(std::string_view data);
}
