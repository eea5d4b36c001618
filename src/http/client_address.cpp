#include "http/client_address.hpp"

#include <algorithm>
#include <cstring>

#include "core/text.hpp"

namespace ov::http {
namespace {

using Address = IpAddress;

// The `for` values of every Forwarded header (RFC 7239), left to right.
std::vector<std::string> forwarded_for(const Headers& headers) {
  std::vector<std::string> hops;
  for (const auto& [name, value] : headers.all()) {
    if (!iequals(name, "Forwarded")) continue;
    for (std::string_view element : split_list(value, ',')) {
      std::string hop = "unknown";
      for (std::string_view pair : split_list(element, ';')) {
        auto eq = pair.find('=');
        if (eq == std::string_view::npos || !iequals(trim_blanks(pair.substr(0, eq)), "for"))
          continue;
        std::string_view v = trim_blanks(pair.substr(eq + 1));
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
    for (std::string_view hop : split_list(value, ',')) hops.emplace_back(hop);
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

std::string client_address(const std::string& peer, const Headers& headers,
                           const std::vector<Cidr>& trusted) {
  if (trusted.empty()) return peer;
  auto peer_address = parse_ip_address(peer);
  if (!peer_address || !trusted_by(trusted, *peer_address)) return peer;
  std::vector<std::string> hops = forwarded_for(headers);
  if (hops.empty()) hops = x_forwarded_for(headers);
  std::string current = peer;
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    auto address = parse_ip_address(*it);
    if (!address) break;  // "unknown", an obfuscated name or garbage: the last good hop stands
    current = to_string(*address);
    if (!trusted_by(trusted, *address)) break;
  }
  return current;
}

}  // namespace ov::http
