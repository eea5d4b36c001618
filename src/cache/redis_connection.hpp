#pragma once
// One blocking hiredis connection (internal to ov_cache and ov_events).
#include <memory>
#include <string>
#include <vector>

#include "cache/redis.hpp"
#include "core/error.hpp"

struct redisContext;

namespace ov::cache::detail {

class RedisConnection {
 public:
  // Connects, authenticates and selects the database, each bounded by timeout_ms.
  static Result<std::unique_ptr<RedisConnection>> open(const RedisEndpoint& endpoint,
                                                       int timeout_ms);
  // The same handshake, handing over the bare hiredis context (the caller redisFree()s it):
  // for connections that speak another protocol on top, such as a pub/sub subscriber.
  static Result<redisContext*> open_context(const RedisEndpoint& endpoint, int timeout_ms);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Errc::unavailable on an I/O error or timeout; the connection is then broken for good.
  Result<RedisReply> exec(const std::vector<std::string>& args);
  bool broken() const { return broken_; }
  // True when the idle socket is readable: the server closed it (restart, CLIENT KILL,
  // idle timeout) or sent something nobody asked for. Either way it must not be reused.
  bool stale() const;

 private:
  explicit RedisConnection(redisContext* context) : context_(context) {}
  redisContext* context_;
  bool broken_ = false;
};

}  // namespace ov::cache::detail
