#include "api/job_waiter.hpp"

#include <vector>

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

void JobWaiter::watch(const std::string& job_id, const std::shared_ptr<http::Later>& later,
                      std::function<http::Response()> answer) {
  std::lock_guard lock(mu_);
  if (++since_prune_ >= 64) {  // requests that stopped waiting leave expired entries behind
    since_prune_ = 0;
    for (auto it = watchers_.begin(); it != watchers_.end();) {
      it = it->second.later.expired() ? watchers_.erase(it) : std::next(it);
    }
  }
  watchers_.emplace(job_id, Watcher{later, std::move(answer)});
}

std::size_t JobWaiter::watching() const {
  std::lock_guard lock(mu_);
  return watchers_.size();
}

// On the bus thread: nothing here may block; the answers are made on the blocking pool.
void JobWaiter::on_final(const std::string& job_id) {
  std::vector<Watcher> ready;
  {
    std::lock_guard lock(mu_);
    auto [first, last] = watchers_.equal_range(job_id);
    for (auto it = first; it != last; ++it) ready.push_back(std::move(it->second));
    watchers_.erase(first, last);
  }
  for (auto& w : ready) {
    if (auto later = w.later.lock()) later->resolve_by(std::move(w.answer));
  }
}

}  // namespace ov::api
