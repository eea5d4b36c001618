// The embedded queue: JobQueue over the job_queue table (storage::QueueTable).
#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "core/ids.hpp"
#include "queue/backoff.hpp"
#include "queue/job_queue.hpp"
#include "storage/database.hpp"

namespace ov::queue {
namespace {

// How often an idle claim looks at the table again (for jobs other processes enqueued, retries
// coming due, leases running out); an enqueue through this object wakes it at once.
constexpr std::chrono::milliseconds kPollInterval{100};

class DatabaseQueue final : public JobQueue {
 public:
  DatabaseQueue(storage::QueueTable& jobs, QueueSettings settings)
      : jobs_(jobs), settings_(settings) {}

  Result<void> enqueue(const std::string& job_id) override {
    auto queued = jobs_.enqueue(job_id, settings_.max_attempts, settings_.max_depth, now_ms());
    if (queued) wake();
    return queued;
  }

  Result<std::optional<ClaimedJob>> claim(const std::string& worker_id,
                                          std::chrono::milliseconds max_wait) override {
    auto deadline = std::chrono::steady_clock::now() + max_wait;
    // A fresh token per lease: a holder whose lease ran out cannot act on the next one's.
    std::string token = worker_id + "/" + random_token(9);
    while (true) {
      std::uint64_t seen = enqueued();
      auto claimed = jobs_.claim(token, now_ms(), lease_ms(settings_));
      if (!claimed) return claimed.error();
      if (claimed.value()) {
        const storage::JobClaim& c = *claimed.value();
        return std::optional<ClaimedJob>(
            ClaimedJob{c.job_id, c.attempt, c.token, c.attempt > c.max_attempts});
      }
      auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return std::optional<ClaimedJob>();
      std::unique_lock lock(mutex_);
      arrived_.wait_until(lock, std::min(deadline, now + kPollInterval),
                          [&] { return enqueued_ != seen; });
    }
  }

  Result<bool> extend(const ClaimedJob& job) override {
    return jobs_.extend(job.job_id, job.token, now_ms() + lease_ms(settings_));
  }

  Result<bool> complete(const ClaimedJob& job) override {
    return jobs_.complete(job.job_id, job.token);
  }

  Result<bool> fail(const ClaimedJob& job, const std::string& error) override {
    bool dead = job.exhausted || job.attempt >= settings_.max_attempts;
    std::optional<std::int64_t> retry_at;
    if (!dead) retry_at = now_ms() + retry_delay_ms(settings_, job.attempt);
    auto changed = jobs_.fail(job.job_id, job.token, error, retry_at);
    if (!changed) return changed.error();
    return changed.value() && dead;
  }

  Result<bool> remove(const std::string& job_id) override { return jobs_.remove(job_id); }

  Result<std::vector<storage::QueueState>> states(const std::vector<std::string>& ids) override {
    return jobs_.states(ids);
  }

  void wake() override {
    std::lock_guard lock(mutex_);
    ++enqueued_;
    arrived_.notify_all();
  }

  Result<QueueStats> stats() override {
    auto s = jobs_.stats();
    if (!s) return s.error();
    QueueStats out;
    out.depth = s.value().queued;
    out.in_flight = s.value().running;
    if (s.value().oldest_queued_at_ms) {
      out.oldest_queued_age_s = std::max<double>(
          0, static_cast<double>(now_ms() - *s.value().oldest_queued_at_ms) / 1000);
    }
    return out;
  }

 private:
  std::uint64_t enqueued() {
    std::lock_guard lock(mutex_);
    return enqueued_;
  }

  storage::QueueTable& jobs_;
  QueueSettings settings_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::uint64_t enqueued_ = 0;  // enqueues through this object, to wake waiting claims
};

}  // namespace

std::unique_ptr<JobQueue> make_database_queue(storage::Database& db, QueueSettings settings) {
  return std::make_unique<DatabaseQueue>(db.queue_table(), settings);
}

}  // namespace ov::queue
