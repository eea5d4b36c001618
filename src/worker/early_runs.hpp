#pragma once
// Detections started before their job is queued: a request that waits for its job (`?wait=true`,
// one image) in a process whose own workers run the jobs hands its image to an idle inference
// lane at once, while the upload is stored and the job committed. The worker that then claims
// the job takes the result (or waits for it while it runs) instead of reading and detecting
// the image again. Nothing is recorded here: the worker records the results through the
// lifecycle as always, so a crash loses only the early run, and a job another process's worker
// claims simply runs there. A lane busy means no early run (never a queue); results not taken
// within `keep` are dropped. Thread-safe.
#include <chrono>
#include <cstddef>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/error.hpp"
#include "inference/options.hpp"
#include "inference/types.hpp"

namespace ov::inference {
class Engine;
class Slots;
}  // namespace ov::inference

namespace ov::worker {

class EarlyRuns {
 public:
  using Clock = std::chrono::steady_clock;
  using Run = std::shared_future<Result<inference::DetectionResult>>;

  // `lanes` threads of their own (at `nice`, warmed up like the inference slots).
  EarlyRuns(const inference::Engine& engine, int lanes, int nice,
            std::chrono::milliseconds keep = std::chrono::seconds(60), std::size_t capacity = 64,
            std::function<Clock::time_point()> now = Clock::now);
  ~EarlyRuns();  // finishes the runs started
  EarlyRuns(const EarlyRuns&) = delete;
  EarlyRuns& operator=(const EarlyRuns&) = delete;

  // Starts detecting image `position` of job `job_id` (not queued yet); false, and nothing
  // started, when no lane is idle or `capacity` results wait already.
  bool start(const std::string& job_id, int position, std::shared_ptr<const std::string> image,
             inference::DetectOptions options);
  // The job was not queued after all: its early results are dropped.
  void forget(const std::string& job_id);
  // The early run of that image, once: nullopt when there is none (or it was dropped).
  std::optional<Run> take(const std::string& job_id, int position);

  struct Stats {
    std::uint64_t started = 0;
    std::uint64_t taken = 0;
    std::uint64_t dropped = 0;  // forgotten, or not taken in time
  };
  Stats stats() const;

 private:
  struct Entry {
    Run run;
    Clock::time_point started;
  };
  void drop_expired(Clock::time_point now);  // holding mu_

  const inference::Engine& engine_;
  const std::chrono::milliseconds keep_;
  const std::size_t capacity_;
  std::function<Clock::time_point()> now_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, Entry> runs_;
  Stats stats_;
  std::unique_ptr<inference::Slots> lanes_;  // last: its threads finish before the rest goes
};

}  // namespace ov::worker
