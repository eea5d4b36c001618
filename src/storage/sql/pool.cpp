#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

Lease::~Lease() {
  if (conn_) pool_->release(std::move(conn_));
}

Pool::Pool(Factory factory, int max_size, std::chrono::milliseconds wait_limit)
    : factory_(std::move(factory)),
      max_size_(max_size < 1 ? 1 : max_size),
      wait_limit_(wait_limit) {}

Result<Lease> Pool::acquire() {
  std::unique_lock lock(mutex_);
  bool ready =
      freed_.wait_for(lock, wait_limit_, [&] { return !idle_.empty() || open_ < max_size_; });
  if (!ready) return Error{Errc::unavailable, "no free database connection (pool exhausted)"};

  if (!idle_.empty()) {
    std::unique_ptr<Connection> conn = std::move(idle_.back());
    idle_.pop_back();
    lock.unlock();
    Lease lease(this, std::move(conn));
    if (auto ok = lease->revalidate(); !ok) return ok.error();  // the lease drops it
    return lease;
  }

  ++open_;  // reserve the slot, then open outside the lock
  lock.unlock();
  auto opened = factory_();
  if (!opened) {
    lock.lock();
    --open_;
    lock.unlock();
    freed_.notify_one();
    return opened.error();
  }
  return Lease(this, std::move(opened).value());
}

void Pool::release(std::unique_ptr<Connection> conn) {
  bool keep = !conn->unusable();
  {
    std::lock_guard lock(mutex_);
    if (keep) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  conn.reset();  // a dropped connection closes outside the lock
  freed_.notify_one();
}

int Pool::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

}  // namespace ov::storage::sql
