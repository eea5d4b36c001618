// Parsing of redis:// URLs: redis://[[user]:password@]host[:port][/db]
#include <charconv>
#include <string>
#include <string_view>

#include "cache/redis.hpp"

namespace ov::cache {
namespace {

Error bad(std::string what) {
  return Error{Errc::invalid_argument, "Invalid Redis URL: " + what};
}

bool parse_int(std::string_view text, int min, int max, int& out) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  if (value < min || value > max) return false;
  out = value;
  return true;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = hex_value(in[i + 1]);
    int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool starts_with_ci(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

Result<void> parse_userinfo(std::string_view info, RedisEndpoint& ep) {
  auto colon = info.find(':');
  if (colon == std::string_view::npos) return bad("a user name needs a password (user:password@)");
  if (!percent_decode(info.substr(0, colon), ep.username) ||
      !percent_decode(info.substr(colon + 1), ep.password))
    return bad("bad percent-escape in the credentials");
  if (ep.password.empty()) return bad("empty password");
  return {};
}

Result<void> parse_host_port(std::string_view hostport, RedisEndpoint& ep) {
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {  // [IPv6]:port
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    ep.host = std::string(hostport.substr(1, close - 1));
    std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("junk after the IPv6 address");
      port = rest.substr(1);
      if (port.empty()) return bad("empty port");
    }
  } else {
    auto colon = hostport.rfind(':');
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      hostport = hostport.substr(0, colon);
      if (port.empty()) return bad("empty port");
    }
    if (!hostport.empty()) ep.host = std::string(hostport);
  }
  if (ep.host.empty()) return bad("empty host");
  if (!port.empty() && !parse_int(port, 1, 65535, ep.port)) return bad("bad port");
  return {};
}

}  // namespace

Result<RedisEndpoint> parse_redis_url(std::string_view url) {
  if (starts_with_ci(url, "rediss://"))
    return bad("rediss:// (TLS) is not supported by this build");
  if (!starts_with_ci(url, "redis://")) return bad("the scheme must be redis://");
  std::string_view rest = url.substr(8);
  if (rest.find_first_of("?#") != std::string_view::npos)
    return bad("query strings and fragments are not supported");

  RedisEndpoint ep;
  auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);

  auto at = authority.rfind('@');
  if (at != std::string_view::npos) {
    if (auto r = parse_userinfo(authority.substr(0, at), ep); !r) return r.error();
    authority = authority.substr(at + 1);
  }
  if (auto r = parse_host_port(authority, ep); !r) return r.error();

  if (path.size() > 1 && !parse_int(path.substr(1), 0, 1 << 20, ep.db))
    return bad("the path must be a database number");
  return ep;
}

}  // namespace ov::cache
