#include "http/client_address.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace ov::http {
namespace {

using Address = std::array<std::uint8_t, 16>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool is_v4_mapped(const Address& a) {
  static constexpr std::uint8_t kPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  return std::memcmp(a.data(), kPrefix, 12) == 0;
}

std::string to_text(const Address& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (is_v4_mapped(a)) {
    ::inet_ntop(AF_INET, a.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, a.data(), buf, sizeof buf);
  }
  return buf;
}

// Splits on `sep`, trimming each item and dropping empty ones.
std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    auto at = text.find(sep);
    std::string_view item = trim(text.substr(0, at));
    if (!item.empty()) out.push_back(item);
    if (at == std::string_view::npos) break;
    text.remove_prefix(at + 1);
  }
  return out;
}

// The `for` values of every Forwarded header (RFC 7239), left to right.
std::vector<std::string> forwarded_for(const Headers& headers) {
  std::vector<std::string> hops;
  for (const auto& [name, value] : headers.all()) {
    if (!iequals(name, "Forwarded")) continue;
    for (std::string_view element : split(value, ',')) {
      std::string hop = "unknown";
      for (std::string_view pair : split(element, ';')) {
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || !iequals(trim(pair.substr(0, eq)), "for")) continue;
        std::string_view v = trim(pair.substr(eq + 1));
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        hop = std::string(v);
      }
      hops.push_back(std::move(hop));
    }
  }
  return hops;
}

std::vector<std::string> x_forwarded_for(const Headers& headers) {
  std::vector<std::string> hops;
  for (const auto& [name, value] : headers.all()) {
    if (!iequals(name, "X-Forwarded-For")) continue;
    for (std::string_view hop : split(value, ',')) hops.emplace_back(hop);
  }
  return hops;
}

bool trusted_by(const std::vector<Cidr>& trusted, const Address& a) {
  for (const auto& c : trusted) {
    if (c.contains(a)) return true;
  }
  return false;
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

std::optional<Address> parse_address(std::string_view text) {
  text = trim(text);
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

std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list) {
  std::vector<Cidr> out;
  std::string normalized(list);
  for (auto& c : normalized) {
    if (c == ' ' || c == '\t') c = ',';
  }
  for (std::string_view item : split(normalized, ',')) {
    auto slash = item.find('/');
    auto address = parse_address(item.substr(0, slash));
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

std::string client_address(const std::string& peer, const Headers& headers,
                           const std::vector<Cidr>& trusted) {
  if (trusted.empty()) return peer;
  auto peer_address = parse_address(peer);
  if (!peer_address || !trusted_by(trusted, *peer_address)) return peer;
  std::vector<std::string> hops = forwarded_for(headers);
  if (hops.empty()) hops = x_forwarded_for(headers);
  std::string current = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto address = parse_address(*it);
    if (!address) break;  // "unknown", an obfuscated name or garbage: the last good hop stands
    current = to_text(*address);
    if (!trusted_by(trusted, *address)) break;
  }
  return current;
}

}  // namespace ov::http
