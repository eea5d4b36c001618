#pragma once
// The durable job queue: one entry per job, leased to one worker at a time.
// Two implementations behind one interface: the embedded queue over the database's job_queue
// table (SQLite or PostgreSQL) and Redis Streams for the scaled-out shape.
//
// A worker's loop:
//   auto job = queue.claim(worker_id, 1s);            // waits up to max_wait
//   if (job && *job) {
//     if ((*job)->exhausted) { queue.fail(**job, "..."); fail the job (jobs::Lifecycle); }
//     every visibility_timeout_s / 3: if (!queue.extend(**job).value()) stop: the lease is lost
//     ... process, commit results (exactly once per image) ...
//     queue.complete(**job);                          // only after the results are committed
//     or: bool dead = queue.fail(**job, error).value(); if (dead) fail the job
//   }
// Delivery is at least once: a job whose holder stops extending its lease for
// visibility_timeout_s is handed out again with attempt + 1.
// All calls block and are thread-safe; failures of the database or Redis come back as
// Errc::unavailable / internal errors.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

#include "storage/jobs.hpp"

namespace ov::storage {
class Database;
}
namespace ov::cache {
class Redis;
}

namespace ov::queue {

struct QueueSettings {
  int max_depth = 1000;              // waiting jobs (retries included); enqueue refuses beyond
  int max_attempts = 3;              // deliveries before a job is dead
  double visibility_timeout_s = 60;  // a lease not extended for this long ends
  double retry_backoff_s = 2;        // a failed attempt n is retried after backoff * 2^(n-1)
};

struct ClaimedJob {
  std::string job_id;
  int attempt = 1;    // 1 for the first delivery
  std::string token;  // identifies this lease; opaque
  // attempt > max_attempts: earlier holders vanished (crashed) on every attempt. Do not run
  // it again: call fail(), which is then final, and fail the job.
  bool exhausted = false;
};

struct QueueStats {
  std::int64_t depth = 0;          // waiting (retries included)
  std::int64_t in_flight = 0;      // leased to a worker
  double oldest_queued_age_s = 0;  // age of the oldest waiting job; 0 when none
};

class JobQueue {
 public:
  virtual ~JobQueue() = default;
  // Puts a job in the queue: Errc::rate_limited when depth >= max_depth; conflict when the
  // queue holds the job already (one entry per job). New jobs of the embedded shape get their
  // entry in the transaction that creates them (storage::QueueEntry); this is for the outbox
  // of the scaled shape and for the reconciler's repairs.
  virtual Result<void> enqueue(const std::string& job_id) = 0;
  // The next job leased to worker_id, or nullopt when none came within max_wait.
  virtual Result<std::optional<ClaimedJob>> claim(const std::string& worker_id,
                                                  std::chrono::milliseconds max_wait) = 0;
  // Renews the lease for visibility_timeout_s. False when the lease is lost (it ran out and
  // another worker took the job, or the job was removed): stop working on it.
  virtual Result<bool> extend(const ClaimedJob& job) = 0;
  // Acknowledges and forgets the job. False (harmless) when the lease was lost meanwhile.
  virtual Result<bool> complete(const ClaimedJob& job) = 0;
  // Below max_attempts: queued again, due after the backoff; returns false. At max_attempts
  // (or when exhausted): dead; returns true. False too when the lease was lost (the job
  // lives on with its new holder).
  virtual Result<bool> fail(const ClaimedJob& job, const std::string& error) = 0;
  // Forgets the job whatever its state (a cancelled job); false when there was none.
  virtual Result<bool> remove(const std::string& job_id) = 0;
  virtual Result<QueueStats> stats() = 0;
  // Where each job stands in the queue (absent, waiting, running, dead), in the order given.
  virtual Result<std::vector<storage::QueueState>> states(
      const std::vector<std::string>& job_ids) = 0;
  // Wakes claims waiting in this process (a job was just created here).
  virtual void wake() {}
};

// Over Database::jobs(): works with SQLite and PostgreSQL. Claims poll every 100 ms up to
// max_wait (woken at once by an enqueue through the same object). The database must outlive
// the queue.
std::unique_ptr<JobQueue> make_database_queue(storage::Database& db, QueueSettings settings);

// Redis Streams: stream "<prefix>jobs", consumer group "<prefix_without_colon>-workers"
// ("ov:jobs" / "ov-workers" by default), retries in the sorted set "<prefix>jobs:delayed".
// A claim BLOCKs at most 1 s per round trip on one pooled connection (the pool needs one
// connection per concurrently claiming worker, plus one). Redis must outlive the queue.
std::unique_ptr<JobQueue> make_redis_queue(cache::Redis& redis, QueueSettings settings,
                                           std::string key_prefix = "ov:");

}  // namespace ov::queue
