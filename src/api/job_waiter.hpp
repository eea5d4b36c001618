#pragma once
// `?wait=true`: a request waits for its job to finish without holding a thread. The handler
// returns a deferred answer (http::Later) and registers it here; the job's final event on the
// bus (from any node's worker) resolves it, and the answer (the finished job, read from the
// database) is made on the server's blocking pool. When no final event comes (a lost one), the
// Later's own timeout answers: it looks at the database once more.
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "http/message.hpp"

namespace ov::events {
class Bus;
class Subscription;
}  // namespace ov::events

namespace ov::api {

class JobWaiter {
 public:
  explicit JobWaiter(events::Bus& bus);
  ~JobWaiter();

  // Resolves `later` with `answer` once the job reaches a final state. Held weakly: a request
  // that stopped waiting (its timeout) is simply forgotten. The caller checks the job once
  // after this call, for a job that finished before it was registered.
  void watch(const std::string& job_id, const std::shared_ptr<http::Later>& later,
             std::function<http::Response()> answer);
  std::size_t watching() const;

 private:
  struct Watcher {
    std::weak_ptr<http::Later> later;
    std::function<http::Response()> answer;
  };
  void on_final(const std::string& job_id);

  mutable std::mutex mu_;
  std::unordered_multimap<std::string, Watcher> watchers_;
  std::size_t since_prune_ = 0;
  std::unique_ptr<events::Subscription> subscription_;
};

}  // namespace ov::api
