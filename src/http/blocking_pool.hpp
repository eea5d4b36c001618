#pragma once
// Internal to ov_http: the bounded pool that runs what may block (handlers reaching the
// database, Redis or Argon2; credentials not in the cache). Admission control: at most
// `max_pending` tasks queued or running; beyond that the caller is refused (503 with
// Retry-After) instead of joining an unbounded queue, so that a flood of slow requests cannot
// make every request slow.
#include <atomic>
#include <cstddef>

#include <boost/asio/thread_pool.hpp>

namespace ov::http {

class BlockingPool {
 public:
  BlockingPool(int threads, int max_pending)
      : pool_(static_cast<std::size_t>(threads > 0 ? threads : 1)),
        max_pending_(max_pending > 0 ? max_pending : 1) {}

  // A place for one task, or false when the pool is saturated.
  bool try_enter() {
    int now = pending_.load();
    while (now < max_pending_) {
      if (pending_.compare_exchange_weak(now, now + 1)) return true;
    }
    return false;
  }
  void leave() { --pending_; }

  boost::asio::thread_pool& executor() { return pool_; }
  int pending() const { return pending_.load(); }
  void join() { pool_.join(); }

  // Holds a place taken with try_enter() until the end of a scope.
  class Place {
   public:
    explicit Place(BlockingPool& pool) : pool_(&pool) {}
    ~Place() {
      if (pool_) pool_->leave();
    }
    Place(Place&& other) noexcept : pool_(other.pool_) { other.pool_ = nullptr; }
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;
    Place& operator=(Place&&) = delete;

   private:
    BlockingPool* pool_;
  };

 private:
  boost::asio::thread_pool pool_;
  const int max_pending_;
  std::atomic<int> pending_{0};
};

}  // namespace ov::http
