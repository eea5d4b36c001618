#pragma once
// What the detection endpoints need besides the account services.

namespace ov::inference {
class Engine;
class Slots;
}  // namespace ov::inference
namespace ov::queue {
class JobQueue;
class WorkerRegistry;
}  // namespace ov::queue
namespace ov::files {
class FileStore;
}
namespace ov::jobs {
class Lifecycle;
}
namespace ov::worker {
class EarlyRuns;
}

namespace ov::api {

class JobWaiter;
class ModelChanges;
class RecentFrames;

struct DetectionServices {
  const inference::Engine& engine;
  jobs::Lifecycle& jobs;   // every change of a job
  queue::JobQueue& queue;  // its statistics (health)
  queue::WorkerRegistry& workers;
  const files::FileStore& files;  // serving images
  JobWaiter& waiter;
  inference::Slots& slots;  // detections that a request waits for (DeepStack)
  RecentFrames& frames;     // DeepStack frames asked again: answered from the first
  ModelChanges& models;     // admins' changes of the models, done by every process
  // Detections a waiting request starts before its job is queued, for this process's own
  // workers (null: it has none, as an API node of the scaled shape).
  worker::EarlyRuns* early = nullptr;
};

}  // namespace ov::api
