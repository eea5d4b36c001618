#pragma once
// Worker threads: claim a job -> process it (its lease extended by the pool's one LeaseKeeper)
// -> acknowledge it only after its results are committed; transient failures go back to the
// queue with backoff.
// Used in-process by `objectvision serve` (embedded) and by `objectvision worker`.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "worker/worker_status.hpp"

namespace ov::queue {
class JobQueue;
}
namespace ov::events {
class Bus;
class Subscription;
}  // namespace ov::events

namespace ov::worker {

class JobProcessor;
class LeaseKeeper;

struct PoolSettings {
  int concurrency = 1;
  double visibility_timeout_s = 60;
  std::string id_prefix;  // worker ids: <prefix>-<n>
  // 0: try the queue, then sleep up to 50 ms unless notify() comes first (an in-process queue
  // fed by this process). Otherwise: block in claim() this long (Redis Streams).
  std::chrono::milliseconds claim_wait{0};
  // Fails a job for good (its attempts are used up); called with the job id and the error.
  std::function<void(const std::string&, const std::string&)> on_dead;
  // Where cancellations are heard: a job this pool runs stops between tiles when it is
  // cancelled or failed elsewhere (null: between images only, through the lifecycle).
  events::Bus* bus = nullptr;
  // Called every heartbeat_every, while a job runs too, and when a job starts or ends.
  std::function<void(const WorkerStatus&)> on_status;
  std::chrono::milliseconds heartbeat_every{5000};
  int nice = 0;  // the workers' nice value above the creator's (INFERENCE_NICE)
};

class WorkerPool {
 public:
  WorkerPool(queue::JobQueue& queue, JobProcessor& processor, PoolSettings settings);
  ~WorkerPool();  // stop()
  void start();
  // Asks every worker to stop after its current job and waits for them. A job in progress is
  // finished (or, past the timeout, its lease simply runs out and another worker retries it).
  void stop();
  // Wakes idle workers now (a job was just enqueued in this process).
  void notify();

 private:
  void run(int index);
  void report(WorkerStatus& status);
  std::shared_ptr<std::atomic<bool>> track(const std::string& job_id);
  void untrack(const std::string& job_id);

  queue::JobQueue& queue_;
  JobProcessor& processor_;
  PoolSettings settings_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable wake_;
  std::uint64_t wake_seq_ = 0;
  std::vector<std::thread> threads_;
  std::mutex running_mu_;
  std::unordered_map<std::string, std::shared_ptr<std::atomic<bool>>> running_;  // job -> stop
  std::unique_ptr<events::Subscription> subscription_;
  std::unique_ptr<LeaseKeeper> keeper_;  // while started
};

}  // namespace ov::worker
