#pragma once
// Runs one claimed job: start it (jobs::Lifecycle hands out the fence), then each image not
// processed yet: read -> detect -> record (results, annotated file, progress: exactly once),
// then finish. Every status change goes through the lifecycle; this only does the work.
#include <chrono>
#include <functional>
#include <string>

namespace ov::inference {
class Engine;
}
namespace ov::files {
class FileStore;
}
namespace ov::jobs {
class Lifecycle;
}

namespace ov::worker {

class EarlyRuns;

enum class Outcome {
  finished,  // completed, failed for good, or nothing to do (cancelled, deleted, taken over)
  retry,     // a transient failure (the database went away): try again later
};

struct ProcessResult {
  Outcome outcome = Outcome::finished;
  std::string error;
};

class JobProcessor {
 public:
  JobProcessor(jobs::Lifecycle& lifecycle, const inference::Engine& engine,
               const files::FileStore& files);

  // `keep_going` is asked between images and between tile batches: false when the lease was
  // lost or the job cancelled; processing stops at once.
  ProcessResult process(const std::string& job_id, const std::function<bool()>& keep_going);

  // Detections this process's requests started before their jobs were queued (null: none).
  void use_early_runs(EarlyRuns* early_runs) { early_runs_ = early_runs; }

 private:
  jobs::Lifecycle& lifecycle_;
  const inference::Engine& engine_;
  const files::FileStore& files_;
  EarlyRuns* early_runs_ = nullptr;
};

}  // namespace ov::worker
