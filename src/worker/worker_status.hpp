#pragma once
// What a worker reports about itself (the registry of workers, the heartbeats).
#include <cstdint>
#include <string>

namespace ov::worker {

struct WorkerStatus {
  std::string id;
  std::int64_t started_at_ms = 0;
  std::int64_t jobs_done = 0;
  std::string current_job;  // empty when idle
};

}  // namespace ov::worker
