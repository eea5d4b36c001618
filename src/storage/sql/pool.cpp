#include "storage/sql/pool.hpp"

#include <set>

#include "obs/metrics.hpp"

namespace ov::storage::sql {

Lease::~Lease() {
  if (conn_) pool_->release(std::move(conn_));
}

namespace {

// The pools of this process, summed into one set of objectvision_db_pool_* metrics (a process
// has one database; tests may open several). Made once and never destroyed: its collector
// stays registered for the process's life (a scrape runs it under the registry's lock, so it
// is registered outside its own lock: no lock-order inversion).
struct LivePools {
  std::mutex mu;
  std::set<const Pool*> pools;
  obs::Registry::Handle collector;

  static LivePools& get() {
    static LivePools& live = *[] {
      auto* made = new LivePools;
      made->collector = obs::metrics().collect([made](obs::Exposition& out) { made->write(out); });
      return made;
    }();
    return live;
  }
  void add(const Pool* pool) {
    std::lock_guard lock(mu);
    pools.insert(pool);
  }
  void remove(const Pool* pool) {
    std::lock_guard lock(mu);
    pools.erase(pool);
  }
  void write(obs::Exposition& out) {
    Pool::Stats sum;
    {
      std::lock_guard lock(mu);
      for (const Pool* p : pools) {
        auto s = p->stats();
        sum.max += s.max;
        sum.open += s.open;
        sum.idle += s.idle;
        sum.waits += s.waits;
        sum.timeouts += s.timeouts;
      }
    }
    out.family("objectvision_db_pool_connections",
               "Database connections of the pool, by state (in_use, idle).", "gauge");
    out.sample(sum.open - sum.idle, {{"state", "in_use"}});
    out.sample(sum.idle, {{"state", "idle"}});
    out.family("objectvision_db_pool_max_connections", "The pool's limit on connections.", "gauge");
    out.sample(sum.max);
    out.family("objectvision_db_pool_waits_total",
               "Requests for a connection that found none free and waited.", "counter");
    out.sample(static_cast<double>(sum.waits));
    out.family("objectvision_db_pool_timeouts_total",
               "Requests for a connection that waited in vain (pool exhausted).", "counter");
    out.sample(static_cast<double>(sum.timeouts));
  }
};

}  // namespace

Pool::Pool(Factory factory, int max_size, std::chrono::milliseconds wait_limit)
    : factory_(std::move(factory)),
      max_size_(max_size < 1 ? 1 : max_size),
      wait_limit_(wait_limit) {
  LivePools::get().add(this);
}

Pool::~Pool() {
  LivePools::get().remove(this);
}

Pool::Stats Pool::stats() const {
  std::lock_guard lock(mutex_);
  return Stats{max_size_, open_, static_cast<int>(idle_.size()), waits_, timeouts_};
}

Result<Lease> Pool::acquire() {
  std::unique_lock lock(mutex_);
  auto free = [&] { return !idle_.empty() || open_ < max_size_; };
  if (!free()) {
    ++waits_;
    if (!freed_.wait_for(lock, wait_limit_, free)) {
      ++timeouts_;
      return Error{Errc::unavailable, "no free database connection (pool exhausted)"};
    }
  }

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
