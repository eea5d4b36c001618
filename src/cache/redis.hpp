#pragma once
// A small thread-safe Redis client: a pool of blocking hiredis (RESP2) connections.
// Used from the worker pool, never from an I/O thread.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace ov::cache {

struct RedisConfig {
  std::string url;  // redis://[[user]:password@]host[:port][/db]
  int pool_size = 8;
  int timeout_ms = 2000;  // connect, and each command's reply (<= 0: the default, 2000)
};

// What a redis:// URL names. Percent-escapes in the user and password are decoded.
struct RedisEndpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // Redis 6 ACL user: AUTH username password
  std::string password;  // AUTH password when not empty
  int db = 0;            // SELECT db when not 0
};

// Errc::invalid_argument for anything but redis://host[:port][/db] with optional credentials
// (rediss:// is refused: the packaged hiredis 0.14 has no TLS).
Result<RedisEndpoint> parse_redis_url(std::string_view url);

struct RedisReply {
  enum class Type { nil, integer, string, status, array, error } type = Type::nil;
  std::int64_t integer = 0;
  std::string str;  // string, status and error replies
  std::vector<RedisReply> elements;
};

class Redis {
 public:
  virtual ~Redis() = default;
  // Errc::unavailable on connection or I/O failure (including a timeout, or every pooled
  // connection being busy for timeout_ms); the failed connection is dropped and the next call
  // opens a new one. Nothing is retried inside. A Redis error reply is returned as a
  // RedisReply of Type::error, not as an Error. Errc::invalid_argument for empty args.
  virtual Result<RedisReply> command(const std::vector<std::string>& args) = 0;
  virtual Result<void> ping() = 0;
};

// Connects one connection up front and PINGs it (so a bad URL, a wrong password or a dead
// server fails at start).
Result<std::unique_ptr<Redis>> connect_redis(const RedisConfig& config);

}  // namespace ov::cache
