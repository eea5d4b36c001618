#pragma once
// A bounded pool of driver connections, opened lazily up to a limit. Callers that find none
// free wait (up to a timeout, then Errc::unavailable). Thread-safe.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "storage/sql/connection.hpp"

namespace ov::storage::sql {

class Pool;

// A connection on loan; goes back to its pool (or is dropped when unusable) on destruction.
class Lease {
 public:
  Lease(Pool* pool, std::unique_ptr<Connection> conn) : pool_(pool), conn_(std::move(conn)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  ~Lease();
  Connection& operator*() const { return *conn_; }
  Connection* operator->() const { return conn_.get(); }

 private:
  Pool* pool_;
  std::unique_ptr<Connection> conn_;
};

class Pool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Connection>>()>;
  Pool(Factory factory, int max_size, std::chrono::milliseconds wait_limit);
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  Result<Lease> acquire();

  // Runs f(Connection&) on a leased connection; f returns a Result.
  template <class F>
  auto with(F&& f) -> decltype(f(std::declval<Connection&>())) {
    auto lease = acquire();
    if (!lease) return lease.error();
    return f(*lease.value());
  }

  int open_connections() const;
  ~Pool();

  struct Stats {
    int max = 0, open = 0, idle = 0;
    std::uint64_t waits = 0;     // acquisitions that found no connection free at once
    std::uint64_t timeouts = 0;  // acquisitions that gave up (Errc::unavailable)
  };
  Stats stats() const;

 private:
  friend class Lease;
  void release(std::unique_ptr<Connection> conn);

  Factory factory_;
  int max_size_;
  std::chrono::milliseconds wait_limit_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;  // idle + leased + being opened
  std::uint64_t waits_ = 0, timeouts_ = 0;
};

}  // namespace ov::storage::sql
