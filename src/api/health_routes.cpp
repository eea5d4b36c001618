// GET /health, /health/database, /health/redis, /health/ready
#include <chrono>

#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "api/routes.hpp"
#include "cache/redis.hpp"
#include "core/version.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

template <class F>
std::pair<Result<void>, double> timed(F&& f) {
  auto start = std::chrono::steady_clock::now();
  Result<void> r = f();
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return {std::move(r), ms};
}

// A failure's text (driver messages: hosts, ports, users) goes to the log, and to admins.
void report(json::object& out, const Context& ctx, const char* what, const Error& error) {
  spdlog::warn("health: {} check failed: {}", what, error.message);
  if (ctx.principal && ctx.principal->user.role == Role::admin) out["error"] = error.message;
}

Response database(Services& s, const Context& ctx) {
  auto [r, ms] = timed([&] { return s.db.ping(); });
  json::object out{{"status", r ? "ok" : "error"}, {"backend", s.db.backend()}, {"latency_ms", ms}};
  if (!r) report(out, ctx, "database", r.error());
  return json_response(r ? 200 : 503, out);
}

Response redis(Services& s, const Context& ctx) {
  if (!s.redis) return json_response(200, json::object{{"status", "disabled"}});
  auto [r, ms] = timed([&] { return s.redis->ping(); });
  json::object out{{"status", r ? "ok" : "error"}, {"latency_ms", ms}};
  if (!r) report(out, ctx, "redis", r.error());
  return json_response(r ? 200 : 503, out);
}

Response ready(Services& s) {
  bool db_ok = s.db.ping().ok();
  bool migrations_ok = db_ok && s.db.migrations_current();
  std::string redis_state = "disabled";
  bool redis_ok = true;
  if (s.redis) {
    redis_ok = s.redis->ping().ok();
    redis_state = redis_ok ? "ok" : "error";
  }
  bool all = db_ok && migrations_ok && redis_ok;
  json::object checks{{"database", db_ok ? "ok" : "error"},
                      {"migrations", migrations_ok ? "ok" : (db_ok ? "pending" : "unknown")},
                      {"redis", redis_state}};
  return json_response(all ? 200 : 503,
                       json::object{{"status", all ? "ready" : "not_ready"}, {"checks", checks}});
}

}  // namespace

void register_health_routes(http::Router& router, Services& s) {
  using http::AuthMode;
  auto alive = [](Context&) {
    return json_response(200, json::object{{"status", "ok"}, {"version", kVersion}});
  };
  router.add(
      never_blocks({"GET", "/health", AuthMode::none, "none", docs::health("Liveness"), alive}));
  router.add(
      never_blocks({"GET", "/health/live", AuthMode::none, "none",
                    docs::health("Liveness: answered on the I/O thread, whatever waits"), alive}));
  router.add({"GET", "/health/database", AuthMode::optional, "none", docs::health("Database"),
              [&s](Context& c) { return database(s, c); }});
  router.add({"GET", "/health/redis", AuthMode::optional, "none", docs::health("Redis"),
              [&s](Context& c) { return redis(s, c); }});
  router.add({"GET", "/health/ready", AuthMode::none, "none",
              docs::health("Readiness: database reachable, migrations current, Redis"),
              [&s](Context&) { return ready(s); }});
}

}  // namespace ov::api
