// `objectvision scheduler`: the scheduled tasks alone, in a process of their own (for
// deployments that run serve with SCHEDULER=off). Exits 0 on SIGTERM / SIGINT after the task
// running then.
#include <signal.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "api/metrics_routes.hpp"
#include "app/commands.hpp"
#include "app/metrics_server.hpp"
#include "app/runtime.hpp"
#include "app/scheduled_tasks.hpp"
#include "app/tracing.hpp"
#include "mail/sender.hpp"
#include "obs/logging.hpp"

namespace ov::app {

int run_scheduler(config::Config config) {
  obs::init_logging(config.log_level, config.log_format);
  TracingGuard tracing(config, "scheduler");
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
  auto scheduler = start_scheduler(rt, "scheduler-" + std::to_string(::getpid()));
  if (!scheduler) {
    spdlog::critical("{}", scheduler.error().message);
    return kExitConfig;
  }
  auto mail_sender = start_mail_sender(rt, "scheduler-" + std::to_string(::getpid()));
  spdlog::info("objectvision {} scheduler running", kVersion);
  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("scheduler stopping after its current task");
  scheduler.value()->stop();
  if (mail_sender) mail_sender->stop();
  spdlog::info("scheduler stopped");
  return 0;
}

}  // namespace ov::app
