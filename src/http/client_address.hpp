#pragma once
// The client's address as rate limits and logs see it. The peer of the TCP connection, unless
// that peer is one of TRUSTED_PROXIES: then the proxies' own headers name it — RFC 7239
// `Forwarded: for=...` when present, else `X-Forwarded-For` — read from the right, skipping
// trusted proxies, so that a client cannot choose its address by sending the header itself.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace ov::http {

// An IPv4 or IPv6 network; IPv4 is held as an IPv4-mapped IPv6 address (::ffff:a.b.c.d/96+n).
struct Cidr {
  std::array<std::uint8_t, 16> address{};
  int prefix_bits = 128;
  bool contains(const std::array<std::uint8_t, 16>& other) const;
};

// "10.0.0.0/8, 192.168.1.7, ::1, fd00::/8": a comma- or space-separated list; nullopt names
// nothing, so callers report the whole value as invalid. An empty list is valid (no proxy).
std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list);

// An address in the 16-byte form above; nullopt when `text` is not one (IPv6 may be
// bracketed; a port after it is ignored: "[::1]:443", "1.2.3.4:80").
std::optional<std::array<std::uint8_t, 16>> parse_address(std::string_view text);

std::string client_address(const std::string& peer, const Headers& headers,
                           const std::vector<Cidr>& trusted);

}  // namespace ov::http
