#pragma once
// Email address rules for sign-up: a practical subset of RFC 5321 (dot-atom local part,
// a DNS domain with a dot), lower-cased.
#include <optional>
#include <string>
#include <string_view>

namespace ov {

// The address lower-cased, or nullopt when it is not a valid address.
std::optional<std::string> normalize_email(std::string_view address);

}  // namespace ov
