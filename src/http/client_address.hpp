#pragma once
// The client's address as rate limits and logs see it. The peer of the TCP connection, unless
// that peer is one of TRUSTED_PROXIES: then the proxies' own headers name it — RFC 7239
// `Forwarded: for=...` when present, else `X-Forwarded-For` — read from the right, skipping
// trusted proxies, so that a client cannot choose its address by sending the header itself.
#include <string>
#include <vector>

#include "core/cidr.hpp"
#include "http/message.hpp"

namespace ov::http {

std::string client_address(const std::string& peer, const Headers& headers,
                           const std::vector<Cidr>& trusted);

}  // namespace ov::http
