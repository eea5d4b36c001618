// `objectvision serve`: the composition root. Configuration -> objects -> route table -> server.
#include <filesystem>

#include <spdlog/spdlog.h>

#include "api/routes.hpp"
#include "api/services.hpp"
#include "api/tokens.hpp"
#include "app/commands.hpp"
#include "auth/blacklist.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "cache/rate_limiter.hpp"
#include "cache/redis.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"
#include "obs/logging.hpp"
#include "storage/database.hpp"

namespace ov::app {

int serve(config::Config config) {
  obs::init_logging(config.log_level, config.log_format);
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (auto r = config::ensure_jwt_secret(config); !r) {
    spdlog::critical("{}", r.error().message);
    return kExitConfig;
  }

  auto db = storage::open_database({config.database_url, config.db_pool_size});
  if (!db) {
    spdlog::critical("database: {}", db.error().message);
    return kExitFailure;
  }
  if (auto applied = (*db)->migrate_up(); !applied) {
    spdlog::critical("migrations: {}", applied.error().message);
    return kExitFailure;
  } else if (applied.value() > 0) {
    spdlog::info("applied {} migration(s)", applied.value());
  }

  std::unique_ptr<cache::Redis> redis;
  if (config.scaled()) {
    auto connected = cache::connect_redis({config.redis_url, config.worker_threads});
    if (!connected) {
      spdlog::critical("redis: {}", connected.error().message);
      return kExitFailure;
    }
    redis = std::move(connected.value());
  }

  auth::PasswordHasher hasher({config.argon2_ops, config.argon2_memory_kib * 1024});
  auth::JwtCodec jwt(config.jwt_secret_key);
  auto blacklist =
      redis ? auth::make_redis_blacklist(*redis) : auth::make_db_blacklist((*db)->tokens());
  std::unique_ptr<cache::RateLimiter> limiter;
  if (redis) {
    limiter = cache::make_redis_rate_limiter(*redis);
  } else {
    limiter = cache::make_memory_rate_limiter();
  }

  api::Services services{config, **db, hasher, jwt, *blacklist, redis.get()};
  http::Router router;
  api::register_routes(router, services);

  http::RateLimitMiddleware rate_limits(
      *limiter, {config.rate_ip.per_minute, config.rate_ip.burst, config.rate_user.per_minute,
                 config.rate_user.burst, config.rate_auth.per_minute, config.rate_auth.burst});
  http::Pipeline pipeline(
      router, http::Cors(config.cors_origins), &rate_limits,
      [&services](std::string_view token) { return api::authenticate(services, token); });

  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.io_threads = config.io_threads;
  options.worker_threads = config.worker_threads;
  options.max_body_bytes = config.max_body_bytes();
  options.request_timeout_s = config.request_timeout_s;
  options.keepalive_timeout_s = config.keepalive_timeout_s;
  options.shutdown_grace_s = config.shutdown_grace_s;
  http::Server server(options, pipeline);
  if (auto r = server.listen(); !r) {
    spdlog::critical("{}", r.error().message);
    return kExitFailure;
  }
  spdlog::info("objectvision {} listening on http://{}:{} ({} database{})", kVersion, config.host,
               server.port(), (*db)->backend(), redis ? ", redis" : "");
  server.run();
  return 0;
}

}  // namespace ov::app
