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
  std::string url;  // redis://[:password@]host:port[/db]
  int pool_size = 8;
  int timeout_ms = 2000;
};

struct RedisReply {
  enum class Type { nil, integer, string, status, array, error } type = Type::nil;
  std::int64_t integer = 0;
  std::string str;  // string, status and error replies
  std::vector<RedisReply> elements;
};

class Redis {
 public:
  virtual ~Redis() = default;
  // Errc::unavailable on connection or I/O failure; a Redis error reply is returned as a
  // RedisReply of Type::error, not as an Error.
  virtual Result<RedisReply> command(const std::vector<std::string>& args) = 0;
  virtual Result<void> ping() = 0;
};

// Connects one connection up front (so a bad URL or a dead server fails at start).
Result<std::unique_ptr<Redis>> connect_redis(const RedisConfig& config);

}  // namespace ov::cache
