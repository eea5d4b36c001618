#pragma once
// What the detection endpoints need besides the account services.
#include <functional>

namespace ov::inference {
class Engine;
}
namespace ov::queue {
class JobQueue;
class WorkerRegistry;
}  // namespace ov::queue
namespace ov::files {
class FileStore;
}
namespace ov::events {
class Bus;
}

namespace ov::api {

class JobWaiter;

struct DetectionServices {
  const inference::Engine& engine;
  queue::JobQueue& queue;
  queue::WorkerRegistry& workers;
  files::FileStore& files;
  events::Bus& bus;
  JobWaiter& waiter;
  std::function<void()> wake_workers;  // in-process workers pick a new job up at once
};

}  // namespace ov::api
