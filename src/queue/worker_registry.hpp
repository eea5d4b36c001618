#pragma once
// Who is working: workers send a heartbeat every few seconds; GET /health/workers lists the
// ones heard from within the window (30 s by default).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ov::cache {
class Redis;
}

namespace ov::queue {

struct WorkerInfo {
  std::string id;
  std::string host;
  std::int64_t pid = 0;
  std::int64_t started_at_ms = 0;
  std::int64_t jobs_done = 0;
  std::optional<std::string> current_job;  // detection id
  std::int64_t last_heartbeat_ms = 0;      // set by the registry (ignored in heartbeat())
};

class WorkerRegistry {
 public:
  virtual ~WorkerRegistry() = default;
  // Records the worker as alive now, replacing what it said before.
  virtual Result<void> heartbeat(const WorkerInfo& info) = 0;
  // A worker going away cleanly.
  virtual Result<void> forget(const std::string& worker_id) = 0;
  // Workers heard from within the window, by id.
  virtual Result<std::vector<WorkerInfo>> list() = 0;
};

// In-process (the embedded shape).
std::unique_ptr<WorkerRegistry> make_memory_worker_registry(
    std::chrono::milliseconds window = std::chrono::seconds(30));
// Shared through Redis: a hash per worker ("<prefix>worker:<id>") that expires after the
// window, and a set of ids ("<prefix>workers"). Redis must outlive the registry.
std::unique_ptr<WorkerRegistry> make_redis_worker_registry(
    cache::Redis& redis, std::chrono::milliseconds window = std::chrono::seconds(30),
    std::string key_prefix = "ov:");

}  // namespace ov::queue
