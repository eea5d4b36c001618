#pragma once
// One dedicated hiredis connection in subscribed state (internal to ov_events): it connects,
// authenticates, selects the database, PSUBSCRIBEs, then hands out the messages it receives.
// Used from a single thread, which must have SIGPIPE blocked.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "cache/redis.hpp"
#include "core/error.hpp"

struct redisContext;

namespace ov::events::detail {

struct PubSubMessage {
  std::string channel;
  std::string payload;
};

class PubSubConnection {
 public:
  // Every step (connect, AUTH, SELECT, PSUBSCRIBE) is bounded by timeout_ms.
  static Result<std::unique_ptr<PubSubConnection>> open(const cache::RedisEndpoint& endpoint,
                                                        int timeout_ms, const std::string& pattern);
  ~PubSubConnection();
  PubSubConnection(const PubSubConnection&) = delete;
  PubSubConnection& operator=(const PubSubConnection&) = delete;

  // Waits up to wait_ms for the next message. nullopt when none came in time or when wake_fd
  // became readable. Errc::unavailable when the connection is lost, or when the server stays
  // silent past a PING it was sent after a quiet spell (a half-open connection).
  Result<std::optional<PubSubMessage>> next(int wake_fd, int wait_ms);

 private:
  using Clock = std::chrono::steady_clock;
  PubSubConnection(redisContext* context, int timeout_ms);
  Result<std::optional<PubSubMessage>> take_buffered();
  Result<void> send_ping();
  Result<void> check_liveness();

  redisContext* context_;
  const std::chrono::milliseconds answer_within_;
  Clock::time_point last_heard_;
  std::optional<Clock::time_point> ping_sent_;
};

}  // namespace ov::events::detail
