// `objectvision worker`: a worker process. Claims jobs (Redis Streams when REDIS_URL is set,
// else the database queue), processes them, heartbeats; exits 0 on SIGTERM / SIGINT after its
// current job.
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "api/metrics_routes.hpp"
#include "app/commands.hpp"
#include "app/metrics_server.hpp"
#include "app/runtime.hpp"
#include "app/tracing.hpp"
#include "obs/logging.hpp"
#include "worker/worker_pool.hpp"

namespace ov::app {

int run_worker(config::Config config) {
  obs::init_logging(config.log_level, config.log_format);
  TracingGuard tracing(config, "worker");
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);  // threads started below inherit the mask

  auto opened = open_runtime(std::move(config));
  if (!opened) {
    spdlog::critical("{}", opened.error().message);
    return kExitFailure;
  }
  Runtime& rt = **opened;
  auto metrics_server = MetricsServer::start(rt.config);
  if (!metrics_server) {
    spdlog::critical("{}", metrics_server.error().message);
    return kExitFailure;
  }
  auto service_metrics = api::collect_service_metrics(nullptr, rt.queue.get());
  const std::string name = "worker-" + std::to_string(::getpid());
  auto pool = start_workers(rt, rt.config.worker_concurrency, name);
  spdlog::info("objectvision {} worker: {} job(s) at a time from the {} queue", kVersion,
               rt.config.worker_concurrency, rt.redis ? "redis" : "database");
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("worker stopping after its current job");
  pool->stop();
  rt.pool = nullptr;
  spdlog::info("worker stopped");
  return 0;
}

}  // namespace ov::app
