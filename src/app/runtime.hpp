#pragma once
// What `serve` and `worker` both stand on: configuration -> database (migrated), Redis,
// engine (models loaded and warmed up), files, event bus, job queue, worker registry, the jobs
// lifecycle and the job processor. Built once at start; errors name what failed.
#include <atomic>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "core/error.hpp"
#include "inference/settings.hpp"

namespace ov::storage {
class Database;
}
namespace ov::cache {
class Redis;
class SharedTier;
}  // namespace ov::cache
namespace ov::inference {
class Engine;
}
namespace ov::files {
class FileStore;
}
namespace ov::events {
class Bus;
}
namespace ov::queue {
class JobQueue;
class WorkerRegistry;
}  // namespace ov::queue
namespace ov::worker {
class EarlyRuns;
class JobProcessor;
class WorkerPool;
}  // namespace ov::worker
namespace ov::mail {
class Mailer;
class Sender;
}  // namespace ov::mail
namespace ov::jobs {
class Lifecycle;
}  // namespace ov::jobs

namespace ov::api {
class ModelChanges;
}

namespace ov::app {

struct Runtime {
  config::Config config;
  std::unique_ptr<storage::Database> db;
  std::shared_ptr<cache::Redis> redis;  // null when embedded
  // The caches' Redis tier (null when embedded). Every job event this process makes raises the
  // generations it makes stale (the lifecycle's observer: serve adds its own caches).
  std::unique_ptr<cache::SharedTier> shared_cache;
  std::unique_ptr<inference::Engine> engine;
  std::unique_ptr<files::FileStore> files;
  std::unique_ptr<events::Bus> bus;
  std::unique_ptr<queue::JobQueue> queue;
  std::unique_ptr<queue::WorkerRegistry> workers;
  std::unique_ptr<jobs::Lifecycle> jobs;
  std::unique_ptr<worker::JobProcessor> processor;
  // Detections a waiting request starts before its job is queued, taken by this process's own
  // workers: serve makes them when it runs workers (before the API: its routes start them).
  std::unique_ptr<worker::EarlyRuns> early_runs;
  std::unique_ptr<mail::Mailer> mailer;            // stores mail; serve's Sender sends it
  std::atomic<worker::WorkerPool*> pool{nullptr};  // in-process workers, woken after a submit
  // Changes of the models made on any process, done to this one's engine (after engine, bus).
  std::unique_ptr<api::ModelChanges> model_changes;

  ~Runtime();
};

Result<std::unique_ptr<Runtime>> open_runtime(config::Config config);

// The engine's part of the configuration (also used by the `detect` and `models` commands).
inference::EngineSettings engine_settings(const config::Config& config);

// The mail sender of this process (a thread; serve and `objectvision scheduler` run one), woken
// by the runtime's mailer; null with EMAIL_TRANSPORT=off.
std::unique_ptr<mail::Sender> start_mail_sender(Runtime& rt, const std::string& holder);

// `count` worker threads named <prefix>-N, heartbeating into the registry; started. The pool
// must be stopped (destroyed) before the runtime.
std::unique_ptr<worker::WorkerPool> start_workers(Runtime& rt, int count,
                                                  const std::string& prefix);

}  // namespace ov::app
