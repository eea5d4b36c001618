#pragma once
// Test helper: collects delivered events and waits for them with a deadline.
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

#include "events/bus.hpp"

namespace ov::events::testing {

// An event that carries `mark` (a job event whose job id is the mark), and the mark it carries.
inline Event marked(std::string user_id, std::string mark) {
  JobEvent e;
  e.kind = JobEventKind::progress;
  e.job_id = std::move(mark);
  e.user_id = user_id;
  e.status = JobStatus::processing;
  return Event{std::move(user_id), std::move(e)};
}

inline std::string marker(const Event& e) {
  if (const auto* job = std::get_if<JobEvent>(&e.what)) return job->job_id;
  return std::get<SessionEnd>(e.what).jti;
}

class Collector {
 public:
  Handler handler() {
    return [this](const Event& e) { add(e); };
  }
  void add(const Event& e) {
    {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
    }
    changed_.notify_all();
  }
  // True when at least n events arrived within `timeout`.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return events_.size() >= n; });
  }
  std::vector<Event> events() {
    std::lock_guard lock(mutex_);
    return events_;
  }
  std::size_t size() {
    std::lock_guard lock(mutex_);
    return events_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Event> events_;
};

}  // namespace ov::events::testing
