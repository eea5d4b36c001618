#include "api/job_waiter.hpp"

#include <boost/json.hpp>

#include "events/bus.hpp"

namespace ov::api {
namespace json = boost::json;

JobWaiter::JobWaiter(events::Bus& bus)
    : subscription_(bus.subscribe([this](const events::Event& e) { on_event(e.json); })) {}

JobWaiter::~JobWaiter() {
  subscription_.reset();
}

void JobWaiter::on_event(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.as_object();
  auto* type = o.if_contains("type");
  auto* id = o.if_contains("detection_id");
  if (!type || !id || !type->is_string() || !id->is_string()) return;
  std::string_view t = type->as_string();
  if (t != "job.completed" && t != "job.failed" && t != "job.cancelled") return;
  std::lock_guard lock(mu_);
  std::string key(id->as_string());
  if (waiting_.count(key) == 0) return;  // nobody here waits for it
  ++finished_[key];
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
