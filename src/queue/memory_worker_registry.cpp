// WorkerRegistry in process memory.
#include <map>
#include <mutex>

#include "core/ids.hpp"
#include "queue/worker_registry.hpp"

namespace ov::queue {
namespace {

class MemoryWorkerRegistry final : public WorkerRegistry {
 public:
  explicit MemoryWorkerRegistry(std::chrono::milliseconds window) : window_(window) {}

  Result<void> heartbeat(const WorkerInfo& info) override {
    if (info.id.empty()) return Error{Errc::invalid_argument, "worker id is empty"};
    std::lock_guard lock(mutex_);
    WorkerInfo& stored = workers_[info.id];
    stored = info;
    stored.last_heartbeat_ms = now_ms();
    return {};
  }

  Result<void> forget(const std::string& worker_id) override {
    std::lock_guard lock(mutex_);
    workers_.erase(worker_id);
    return {};
  }

  Result<std::vector<WorkerInfo>> list() override {
    std::int64_t oldest = now_ms() - window_.count();
    std::vector<WorkerInfo> out;
    std::lock_guard lock(mutex_);
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->second.last_heartbeat_ms < oldest) {
        it = workers_.erase(it);  // silent for too long: gone
      } else {
        out.push_back(it->second);
        ++it;
      }
    }
    return out;
  }

 private:
  std::chrono::milliseconds window_;
  std::mutex mutex_;
  std::map<std::string, WorkerInfo> workers_;
};

}  // namespace

std::unique_ptr<WorkerRegistry> make_memory_worker_registry(std::chrono::milliseconds window) {
  return std::make_unique<MemoryWorkerRegistry>(window);
}

}  // namespace ov::queue
