#include "worker/worker_pool.hpp"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "core/thread_priority.hpp"
#include "events/bus.hpp"
#include "queue/job_queue.hpp"
#include "worker/lease_keeper.hpp"
#include "worker/processor.hpp"

namespace ov::worker {
using namespace std::chrono_literals;

WorkerPool::WorkerPool(queue::JobQueue& queue, JobProcessor& processor, PoolSettings settings)
    : queue_(queue), processor_(processor), settings_(std::move(settings)) {}

WorkerPool::~WorkerPool() {
  stop();
}

void WorkerPool::start() {
  if (settings_.bus) {
    subscription_ = settings_.bus->subscribe([this](const events::Event& e) {
      const auto* job = std::get_if<JobEvent>(&e.what);
      if (job == nullptr || !job->final()) return;
      std::lock_guard lock(running_mu_);
      if (auto it = running_.find(job->job_id); it != running_.end()) *it->second = true;
    });
  }
  // Its leases every third of the visibility timeout; the heartbeat of a busy worker as often as
  // an idle one's (a job longer than the registry's window must not make it look dead).
  const auto extend_every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(settings_.visibility_timeout_s / 3));
  keeper_ = std::make_unique<LeaseKeeper>(queue_, extend_every, settings_.heartbeat_every,
                                          settings_.on_status);
  for (int i = 0; i < settings_.concurrency; ++i) threads_.emplace_back([this, i] { run(i); });
}

void WorkerPool::stop() {
  stopping_ = true;
  notify();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
  subscription_.reset();
  keeper_.reset();
}

std::shared_ptr<std::atomic<bool>> WorkerPool::track(const std::string& job_id) {
  auto flag = std::make_shared<std::atomic<bool>>(false);
  std::lock_guard lock(running_mu_);
  running_[job_id] = flag;
  return flag;
}

void WorkerPool::untrack(const std::string& job_id) {
  std::lock_guard lock(running_mu_);
  running_.erase(job_id);
}

void WorkerPool::notify() {
  {
    std::lock_guard lock(mu_);
    ++wake_seq_;
  }
  wake_.notify_all();
}

void WorkerPool::report(WorkerStatus& status) {
  if (settings_.on_status) settings_.on_status(status);
}

void WorkerPool::run(int index) {
  (void)lower_this_thread_priority(settings_.nice);  // detections give way to requests
  WorkerStatus status{settings_.id_prefix + "-" + std::to_string(index), now_ms(), 0, {}};
  report(status);
  auto last_report = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (std::chrono::steady_clock::now() - last_report > settings_.heartbeat_every) {
      report(status);
      last_report = std::chrono::steady_clock::now();
    }
    std::uint64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = wake_seq_;
    }
    // A short claim, then a wait that notify() cuts short: in-process uploads start at once.
    auto claimed = queue_.claim(status.id, settings_.claim_wait);
    if (!claimed) {
      spdlog::warn("worker {}: claim failed: {}", status.id, claimed.error().message);
      std::this_thread::sleep_for(500ms);
      continue;
    }
    if (!claimed.value()) {
      if (settings_.claim_wait.count() > 0) continue;
      std::unique_lock lock(mu_);
      wake_.wait_for(lock, 50ms, [&] { return stopping_ || wake_seq_ != seen; });
      continue;
    }
    queue::ClaimedJob job = std::move(*claimed.value());
    if (job.exhausted) {
      auto dead = queue_.fail(job, "gave up after repeated worker crashes");
      if (dead && dead.value() && settings_.on_dead) {
        settings_.on_dead(job.job_id, "Processing failed repeatedly (worker crashes)");
      }
      continue;
    }
    status.current_job = job.job_id;
    report(status);
    // The lease is renewed by the keeper, whatever a single image costs; the processor asks
    // between images whether it still holds the job.
    auto lease = keeper_->keep(job, status);
    auto stop = track(job.job_id);  // set when the job is cancelled or failed elsewhere
    auto keep_going = [&] { return !lease.lost() && !stop->load(); };
    auto result = processor_.process(job.job_id, keep_going);
    untrack(job.job_id);
    lease.release();
    if (result.outcome == Outcome::finished) {
      queue_.complete(job);
    } else {
      spdlog::warn("job {} attempt {} will be retried: {}", job.job_id, job.attempt, result.error);
      auto dead = queue_.fail(job, result.error);
      if (dead && dead.value() && settings_.on_dead) settings_.on_dead(job.job_id, result.error);
    }
    ++status.jobs_done;
    status.current_job.clear();
    report(status);
    last_report = std::chrono::steady_clock::now();
  }
}

}  // namespace ov::worker
