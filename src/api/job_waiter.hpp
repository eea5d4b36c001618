#pragma once
// `?wait=true`: a request waits for its job to finish. Woken by the job's final event on the
// bus (any node's worker), with a slow database poll as the safety net for a lost event.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ov::events {
class Bus;
class Subscription;
}  // namespace ov::events

namespace ov::api {

class JobWaiter {
 public:
  explicit JobWaiter(events::Bus& bus);
  ~JobWaiter();
  // Returns when is_final() says so, or after timeout (then false).
  bool wait(const std::string& detection_id, std::chrono::milliseconds timeout,
            const std::function<bool()>& is_final);

 private:
  void on_final(const std::string& job_id);

  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, int> finished_;  // detection id -> final events seen
  std::unordered_map<std::string, int> waiting_;   // detection id -> waiters
  std::unique_ptr<events::Subscription> subscription_;
};

}  // namespace ov::api
