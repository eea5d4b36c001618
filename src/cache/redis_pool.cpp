// connect_redis: a bounded pool of blocking hiredis connections shared by worker threads.
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cache/redis.hpp"
#include "cache/redis_connection.hpp"

namespace ov::cache {
namespace {

using detail::RedisConnection;

class PooledRedis final : public Redis {
 public:
  PooledRedis(RedisEndpoint endpoint, int pool_size, int timeout_ms)
      : endpoint_(std::move(endpoint)), pool_size_(pool_size), timeout_ms_(timeout_ms) {}

  Result<RedisReply> command(const std::vector<std::string>& args) override {
    if (args.empty()) return Error{Errc::invalid_argument, "Redis: empty command"};
    auto conn = acquire();
    if (!conn) return conn.error();
    auto reply = (*conn)->exec(args);
    release(std::move(*conn));
    return reply;
  }

  Result<void> ping() override {
    auto reply = command({"PING"});
    if (!reply) return reply.error();
    if (reply->type != RedisReply::Type::status || reply->str != "PONG")
      return Error{Errc::unavailable, "Redis: PING answered " + reply->str};
    return {};
  }

 private:
  Result<std::unique_ptr<RedisConnection>> acquire() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
    std::unique_lock lock(mutex_);
    for (;;) {
      while (!idle_.empty()) {
        std::unique_ptr<RedisConnection> conn = std::move(idle_.back());
        idle_.pop_back();
        if (!conn->stale()) return conn;
        --open_;  // the server closed it while it was idle: drop it
      }
      if (open_ < pool_size_) {
        ++open_;
        lock.unlock();
        auto opened = RedisConnection::open(endpoint_, timeout_ms_);
        if (!opened) {
          lock.lock();
          --open_;
          available_.notify_one();
        }
        return opened;
      }
      if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= pool_size_) {
        return Error{Errc::unavailable,
                     "Redis: all " + std::to_string(pool_size_) + " connections stayed busy"};
      }
    }
  }

  void release(std::unique_ptr<RedisConnection> conn) {
    std::lock_guard lock(mutex_);
    if (conn->broken()) {
      --open_;
      conn.reset();
    } else {
      idle_.push_back(std::move(conn));
    }
    available_.notify_one();
  }

  const RedisEndpoint endpoint_;
  const int pool_size_;
  const int timeout_ms_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<RedisConnection>> idle_;
  int open_ = 0;  // idle + lent out + being opened
};

}  // namespace

Result<std::unique_ptr<Redis>> connect_redis(const RedisConfig& config) {
  auto endpoint = parse_redis_url(config.url);
  if (!endpoint) return endpoint.error();
  int pool_size = config.pool_size > 0 ? config.pool_size : 1;
  int timeout_ms = config.timeout_ms > 0 ? config.timeout_ms : 2000;
  auto redis = std::make_unique<PooledRedis>(std::move(*endpoint), pool_size, timeout_ms);
  if (auto pinged = redis->ping(); !pinged) return pinged.error();
  return std::unique_ptr<Redis>(std::move(redis));
}

}  // namespace ov::cache
