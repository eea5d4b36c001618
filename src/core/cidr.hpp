#pragma once
// IP addresses and networks as configuration names them (TRUSTED_PROXIES): IPv4 and IPv6 in
// one 16-byte form, IPv4 as an IPv4-mapped IPv6 address (::ffff:a.b.c.d). No I/O.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ov {

using IpAddress = std::array<std::uint8_t, 16>;

struct Cidr {
  IpAddress address{};
  int prefix_bits = 128;  // of the 16-byte form: an IPv4 /n is 96 + n
  bool contains(const IpAddress& other) const;
};

// nullopt when `text` is not an address. IPv6 may be bracketed; a port after the address is
// ignored: "[::1]:443", "1.2.3.4:80".
std::optional<IpAddress> parse_ip_address(std::string_view text);
// The usual text of an address: dotted IPv4 for a mapped one, RFC 5952 IPv6 otherwise.
std::string to_string(const IpAddress& address);

// "10.0.0.0/8, 192.168.1.7, ::1, fd00::/8": separated by commas or spaces; nullopt when any
// item is not an address or network. An empty list is valid.
std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list);

}  // namespace ov
