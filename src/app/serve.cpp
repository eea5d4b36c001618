// `objectvision serve`: the composition root. Configuration -> objects -> route table -> server.
#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "api/caches.hpp"
#include "api/metrics_routes.hpp"
#include "api/services.hpp"
#include "api/tokens.hpp"
#include "app/api_composition.hpp"
#include "app/commands.hpp"
#include "app/metrics_server.hpp"
#include "app/runtime.hpp"
#include "app/scheduled_tasks.hpp"
#include "app/tracing.hpp"
#include "events/bus.hpp"
#include "events/codec.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "http/ws_hub.hpp"
#include "jobs/lifecycle.hpp"
#include "mail/sender.hpp"
#include "obs/logging.hpp"
#include "storage/database.hpp"
#include "worker/early_runs.hpp"
#include "worker/processor.hpp"
#include "worker/worker_pool.hpp"

namespace ov::app {
namespace {

// MAX_CONNECTIONS within what the process may open: the soft limit on descriptors is raised to
// the hard one, and the cap kept below it (with room for the database, Redis, files, models).
int max_connections(int wanted) {
  constexpr rlim_t kReserve = 128;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &limit);
    (void)::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > static_cast<rlim_t>(wanted) + kReserve) {
    return wanted;
  }
  int fits = limit.rlim_cur > kReserve * 2 ? static_cast<int>(limit.rlim_cur - kReserve)
                                           : static_cast<int>(limit.rlim_cur / 2);
  spdlog::warn("MAX_CONNECTIONS={} does not fit the open-files limit ({}); using {}", wanted,
               static_cast<long long>(limit.rlim_cur), fits);
  return fits;
}

}  // namespace

int serve(config::Config config) {
  obs::init_logging(config.log_level, config.log_format);
  TracingGuard tracing(config, "serve");
  if (auto r = config::ensure_jwt_secret(config); !r) {
    spdlog::critical("{}", r.error().message);
    return kExitConfig;
  }
  auto opened = open_runtime(config);
  if (!opened) {
    spdlog::critical("{}", opened.error().message);
    return kExitFailure;
  }
  Runtime& rt = **opened;
  const auto& c = rt.config;

  if (c.effective_serve_workers() > 0) {
    rt.early_runs =
        std::make_unique<worker::EarlyRuns>(*rt.engine, c.inference_slots, c.inference_nice);
    rt.processor->use_early_runs(rt.early_runs.get());
  }
  // The caches forget what a change made stale: at once for this process's writes (the
  // lifecycle's observer, the API's own calls), from the bus for every other process's.
  ApiComposition api_composition(rt);
  api::Caches& caches = api_composition.caches();
  http::Router& router = api_composition.router();
  rt.jobs->set_observer([&caches, &rt](const JobEvent& e) {
    caches.on_event(events::Event{e.user_id, e});
    if (rt.shared_cache) api::forget_shared(*rt.shared_cache, e);
  });
  auto to_caches = rt.bus->subscribe([&caches](const events::Event& e) { caches.on_event(e); });

  const std::string name = "serve-" + std::to_string(::getpid());
  std::unique_ptr<worker::WorkerPool> workers;
  if (int n = c.effective_serve_workers(); n > 0) workers = start_workers(rt, n, name);
  std::unique_ptr<schedule::Scheduler> scheduler;
  if (c.scheduler) {
    auto started = start_scheduler(rt, name);
    if (!started) {
      spdlog::critical("{}", started.error().message);
      return kExitConfig;
    }
    scheduler = std::move(started.value());
  }

  http::WsHub hub(static_cast<std::size_t>(c.max_websockets_per_user));
  auto to_sockets = rt.bus->subscribe([&hub](const events::Event& e) {
    if (const auto* job = std::get_if<JobEvent>(&e.what)) {
      hub.deliver(e.user_id, events::to_json(*job));  // the text clients read
    } else if (const auto* end = std::get_if<SessionEnd>(&e.what)) {
      hub.end_sessions(e.user_id, *end);
    }
  });
  auto mail_sender = start_mail_sender(rt, name);
  api::Services& services = api_composition.services();
  // /metrics: here, unless METRICS_PORT gives it a port of its own.
  auto metrics_server = MetricsServer::start(c);
  if (!metrics_server) {
    spdlog::critical("{}", metrics_server.error().message);
    return kExitFailure;
  }
  if (!metrics_server.value()) api::register_metrics_route(router, c.metrics_token);
  auto service_metrics = api::collect_service_metrics(&caches, rt.queue.get());

  http::RateLimitMiddleware rate_limits(
      api_composition.limiter(),
      {c.rate_ip.per_minute, c.rate_ip.burst, c.rate_user.per_minute, c.rate_user.burst,
       c.rate_auth.per_minute, c.rate_auth.burst, c.rate_camera.per_minute, c.rate_camera.burst});
  http::Authenticator authenticator{
      [&services](std::string_view token) { return api::authenticate(services, token); },
      [&services](std::string_view token) { return api::authenticate_fast(services, token); },
      [&services](std::string_view token) { return api::authenticate(services, token, true); }};
  http::Pipeline pipeline(router, http::Cors(c.cors_origins), &rate_limits, authenticator);

  http::ServerOptions options;
  options.host = c.host;
  options.port = c.port;
  options.io_threads = c.io_threads;
  options.worker_threads = c.worker_threads;
  options.blocking_queue_max = c.blocking_queue_max;
  options.max_body_bytes = c.max_body_bytes();
  options.request_timeout_s = c.request_timeout_s;
  options.keepalive_timeout_s = c.keepalive_timeout_s;
  options.shutdown_grace_s = c.shutdown_grace_s;
  options.max_connections = max_connections(c.max_connections);
  options.min_upload_bytes_per_s = c.min_upload_bytes_per_s;
  options.upload_grace_s = c.upload_grace_s;
  options.trusted_proxies = c.trusted_proxy_networks;
  options.ws_hub = &hub;
  options.ws_recheck_s = c.ws_recheck_s;
  http::Server server(options, pipeline);
  if (auto r = server.listen(); !r) {
    spdlog::critical("{}", r.error().message);
    return kExitFailure;
  }
  spdlog::info("objectvision {} listening on http://{}:{} ({} database{}, {} in-process workers)",
               kVersion, c.host, server.port(), rt.db->backend(), rt.redis ? ", redis" : "",
               c.effective_serve_workers());
  server.run();
  if (scheduler) scheduler->stop();
  if (mail_sender) mail_sender->stop();
  if (workers) workers->stop();
  rt.pool = nullptr;
  rt.jobs->set_observer(nullptr);
  to_caches.reset();
  to_sockets.reset();
  return 0;
}

}  // namespace ov::app
