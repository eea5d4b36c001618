#include "api/job_waiter.hpp"

#include "events/bus.hpp"

namespace ov::api {

JobWaiter::JobWaiter(events::Bus& bus)
    : subscription_(bus.subscribe([this](const events::Event& e) {
        if (const auto* job = std::get_if<JobEvent>(&e.what); job && job->final()) {
          on_final(job->job_id);
        }
      })) {}

JobWaiter::~JobWaiter() {
  subscription_.reset();
}

void JobWaiter::on_final(const std::string& job_id) {
  std::lock_guard lock(mu_);
  if (waiting_.count(job_id) == 0) return;  // nobody here waits for it
  ++finished_[job_id];
  cv_.notify_all();
}

bool JobWaiter::wait(const std::string& detection_id, std::chrono::milliseconds timeout,
                     const std::function<bool()>& is_final) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + timeout;
  {
    std::lock_guard lock(mu_);
    ++waiting_[detection_id];
  }
  bool done = is_final();  // it may have finished before we registered
  while (!done && clock::now() < deadline) {
    {
      std::unique_lock lock(mu_);
      auto slice =
          std::min<clock::duration>(deadline - clock::now(), std::chrono::milliseconds(500));
      cv_.wait_for(lock, slice, [&] { return finished_.count(detection_id) > 0; });
    }
    done = is_final();
  }
  std::lock_guard lock(mu_);
  if (--waiting_[detection_id] == 0) {
    waiting_.erase(detection_id);
    finished_.erase(detection_id);
  }
  return done;
}

}  // namespace ov::api
