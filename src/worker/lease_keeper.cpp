#include "worker/lease_keeper.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace ov::worker {

LeaseKeeper::LeaseKeeper(queue::JobQueue& queue, Clock::duration extend_every,
                         Clock::duration heartbeat_every, Report on_status)
    : queue_(queue),
      extend_every_(extend_every),
      heartbeat_every_(heartbeat_every),
      on_status_(std::move(on_status)),
      thread_([this] { run(); }) {}

LeaseKeeper::~LeaseKeeper() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

LeaseKeeper::Lease::Lease(Lease&& other) noexcept
    : keeper_(std::exchange(other.keeper_, nullptr)), id_(other.id_), lost_(other.lost_) {}

void LeaseKeeper::Lease::release() {
  if (keeper_ != nullptr) std::exchange(keeper_, nullptr)->release(id_);
}

LeaseKeeper::Lease LeaseKeeper::keep(const queue::ClaimedJob& job, WorkerStatus busy) {
  auto lost = std::make_shared<std::atomic<bool>>(false);
  const auto now = Clock::now();
  std::uint64_t id;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    entries_.emplace(
        id, Entry{job, std::move(busy), now + extend_every_, now + heartbeat_every_, lost});
  }
  changed_.notify_all();
  return Lease(this, id, std::move(lost));
}

std::size_t LeaseKeeper::kept() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void LeaseKeeper::release(std::uint64_t id) {
  std::unique_lock lock(mu_);
  changed_.wait(lock, [&] { return working_on_ != id; });
  entries_.erase(id);
}

void LeaseKeeper::run() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    const auto now = Clock::now();
    auto due = entries_.end();
    auto wake = Clock::time_point::max();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      const auto next = std::min(it->second.next_extend, it->second.next_report);
      if (next <= now) {
        due = it;
        break;
      }
      wake = std::min(wake, next);
    }
    if (due == entries_.end()) {
      if (wake == Clock::time_point::max()) {
        changed_.wait(lock);
      } else {
        changed_.wait_until(lock, wake);
      }
      continue;
    }
    Entry& entry = due->second;
    const bool extend = entry.next_extend <= now, report = entry.next_report <= now;
    if (extend) entry.next_extend = now + extend_every_;
    if (report) entry.next_report = now + heartbeat_every_;
    // Copies: the queue and the registry are called without the lock, and release() waits
    // for this entry only.
    const queue::ClaimedJob job = entry.job;
    const WorkerStatus status = entry.status;
    const auto lost = entry.lost;
    working_on_ = due->first;
    lock.unlock();
    if (report && on_status_) on_status_(status);
    if (extend && !lost->load()) {
      auto extended = queue_.extend(job);
      if (!extended) {
        // Tried again next period: the lease outlasts one missed extension.
        spdlog::warn("job {}: the lease could not be extended: {}", job.job_id,
                     extended.error().message);
      } else if (!extended.value()) {
        lost->store(true);  // another worker holds it now, or it is gone
      }
    }
    lock.lock();
    working_on_ = 0;
    changed_.notify_all();
  }
}

}  // namespace ov::worker
