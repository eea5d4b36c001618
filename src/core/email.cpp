#include "core/email.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>

namespace ov {
namespace {

bool local_char(unsigned char c) {
  return std::isalnum(c) || std::strchr("!#$%&'*+/=?^_`{|}~-.", c) != nullptr;
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-'; });
}

}  // namespace

std::optional<std::string> normalize_email(std::string_view address) {
  if (address.size() < 3 || address.size() > 254) return std::nullopt;
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return std::nullopt;
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return std::nullopt;
  }
  if (!std::all_of(local.begin(), local.end(), [](unsigned char c) { return local_char(c); })) {
    return std::nullopt;
  }
  if (domain.find('.') == std::string_view::npos) return std::nullopt;
  std::size_t start = 0;
  std::string_view last;
  while (start <= domain.size()) {
    auto dot = domain.find('.', start);
    last =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!valid_label(last)) return std::nullopt;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (last.size() < 2 ||
      !std::all_of(last.begin(), last.end(), [](unsigned char c) { return std::isalpha(c); })) {
    return std::nullopt;
  }
  std::string out(address);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace ov
