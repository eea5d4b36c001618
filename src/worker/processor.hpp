#pragma once
// Processes one detection job: load -> decode -> detect -> store files and results (each image
// exactly once, so a retried job never duplicates anything) -> publish events.
#include <chrono>
#include <functional>
#include <string>

namespace ov::storage {
class Database;
}
namespace ov::inference {
class Engine;
}
namespace ov::files {
class FileStore;
}
namespace ov::events {
class Bus;
}

namespace ov::worker {

enum class Outcome {
  finished,  // completed or failed for good, or nothing to do (cancelled, deleted)
  retry,     // a transient failure (the database went away): try again later
};

struct ProcessResult {
  Outcome outcome = Outcome::finished;
  std::string error;
};

class JobProcessor {
 public:
  JobProcessor(storage::Database& db, const inference::Engine& engine, files::FileStore& files,
               events::Bus& bus, std::chrono::seconds job_timeout);

  // `keep_alive` is called between images: it extends the job's lease, and returns false when
  // the lease was lost (another worker has the job now): processing stops at once.
  ProcessResult process(const std::string& detection_id, const std::function<bool()>& keep_alive);

 private:
  void publish(const std::string& user_id, const std::string& json);

  storage::Database& db_;
  const inference::Engine& engine_;
  files::FileStore& files_;
  events::Bus& bus_;
  std::chrono::seconds job_timeout_;
};

}  // namespace ov::worker
