#include "core/cidr.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "core/text.hpp"

namespace ov {
namespace {

using Address = IpAddress;

bool is_v4_mapped(const Address& a) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.data(), kPrefix, 12) == 0;
}

}  // namespace

bool Cidr::contains(const Address& other) const {
  int bits = prefix_bits;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((address[i] & mask) != (other[i] & mask)) return false;
  }
  return true;
}

std::optional<Address> parse_ip_address(std::string_view text) {
  text = trim_blanks(text);
  std::string host;
  if (!text.empty() && text.front() == '[') {  // [v6] or [v6]:port
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = std::string(text.substr(1, close - 1));
  } else if (std::count(text.begin(), text.end(), ':') == 1) {  // v4:port
    host = std::string(text.substr(0, text.find(':')));
  } else {
    host = std::string(text);
  }
  Address out{};
  if (::inet_pton(AF_INET6, host.c_str(), out.data()) == 1) return out;
  out = {};
  out[10] = out[11] = 0xff;
  if (::inet_pton(AF_INET, host.c_str(), out.data() + 12) == 1) return out;
  return std::nullopt;
}

std::string to_string(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4_mapped(a)) {
    ::inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  }
  return buf;
}

std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list) {
  std::vector<Cidr> out;
  std::string normalized(list);
  for (auto& c : normalized) {
    if (c == ' ' || c == '\t') c = ',';
  }
  for (std::string_view item : split_list(normalized, ',')) {
    auto slash = item.find('/');
    auto address = parse_ip_address(item.substr(0, slash));
    if (!address || item.front() == '[') return std::nullopt;
    const bool v4 = is_v4_mapped(*address) && item.find(':') == std::string_view::npos;
    Cidr cidr;
    cidr.address = *address;
    cidr.prefix_bits = 128;
    if (slash != std::string_view::npos) {
      std::string_view bits_text = item.substr(slash + 1);
      int bits = 0;
      if (bits_text.empty() || bits_text.size() > 3) return std::nullopt;
      for (char c : bits_text) {
        if (c < '0' || c > '9') return std::nullopt;
        bits = bits * 10 + (c - '0');
      }
      if (bits > (v4 ? 32 : 128)) return std::nullopt;
      cidr.prefix_bits = v4 ? 96 + bits : bits;
    }
    out.push_back(cidr);
  }
  return out;
}

}  // namespace ov
