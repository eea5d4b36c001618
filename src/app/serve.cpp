// `objectvision serve`: the composition root. Configuration -> objects -> route table -> server.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include "api/detection_routes.hpp"
#include "api/detection_services.hpp"
#include "api/job_waiter.hpp"
#include "api/services.hpp"
#include "api/tokens.hpp"
#include "app/commands.hpp"
#include "app/runtime.hpp"
#include "auth/blacklist.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "cache/rate_limiter.hpp"
#include "cache/redis.hpp"
#include "events/bus.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "http/ws_hub.hpp"
#include "obs/logging.hpp"
#include "storage/database.hpp"
#include "worker/worker_pool.hpp"

namespace ov::app {

int serve(config::Config config) {
  obs::init_logging(config.log_level, config.log_format);
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

  auth::PasswordHasher hasher({c.argon2_ops, c.argon2_memory_kib * 1024});
  auth::JwtCodec jwt(c.jwt_secret_key);
  auto blacklist =
      rt.redis ? auth::make_redis_blacklist(*rt.redis) : auth::make_db_blacklist(rt.db->tokens());
  std::unique_ptr<cache::RateLimiter> limiter;
  if (rt.redis) {
    limiter = cache::make_redis_rate_limiter(*rt.redis);
  } else {
    limiter = cache::make_memory_rate_limiter();
  }

  std::unique_ptr<worker::WorkerPool> workers;
  if (int n = c.effective_serve_workers(); n > 0) {
    workers = start_workers(rt, n, "serve-" + std::to_string(::getpid()));
  }

  http::WsHub hub;
  auto to_sockets =
      rt.bus->subscribe([&hub](const events::Event& e) { hub.deliver(e.user_id, e.json); });
  api::JobWaiter waiter(*rt.bus);
  api::Services services{c, *rt.db, hasher, jwt, *blacklist, rt.redis.get()};
  api::DetectionServices detection{
      *rt.engine, *rt.queue, *rt.workers, *rt.files, *rt.bus, waiter, [&workers] {
        if (workers) workers->notify();
      }};
  http::Router router;
  api::register_all_routes(router, services, detection);

  http::RateLimitMiddleware rate_limits(
      *limiter, {c.rate_ip.per_minute, c.rate_ip.burst, c.rate_user.per_minute, c.rate_user.burst,
                 c.rate_auth.per_minute, c.rate_auth.burst});
  http::Pipeline pipeline(
      router, http::Cors(c.cors_origins), &rate_limits,
      [&services](std::string_view token) { return api::authenticate(services, token); });

  http::ServerOptions options;
  options.host = c.host;
  options.port = c.port;
  options.io_threads = c.io_threads;
  options.worker_threads = c.worker_threads;
  options.max_body_bytes = c.max_body_bytes();
  options.request_timeout_s = c.request_timeout_s;
  options.keepalive_timeout_s = c.keepalive_timeout_s;
  options.shutdown_grace_s = c.shutdown_grace_s;
  options.ws_hub = &hub;
  http::Server server(options, pipeline);
  if (auto r = server.listen(); !r) {
    spdlog::critical("{}", r.error().message);
    return kExitFailure;
  }
  spdlog::info("objectvision {} listening on http://{}:{} ({} database{}, {} in-process workers)",
               kVersion, c.host, server.port(), rt.db->backend(), rt.redis ? ", redis" : "",
               c.effective_serve_workers());
  server.run();
  if (workers) workers->stop();
  to_sockets.reset();
  return 0;
}

}  // namespace ov::app
