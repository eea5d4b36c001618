// GET /health/workers (the old service's /health/celery)
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "api/detection_routes.hpp"
#include "api/json_io.hpp"
#include "api/routes.hpp"
#include "core/ids.hpp"
#include "queue/job_queue.hpp"
#include "queue/worker_registry.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

// Anonymous callers (probes) see that workers live and how busy the queue is; hosts, process
// ids, the jobs being run (other users' ids) and error texts are for admins only.
http::Response workers(DetectionServices& ds, const http::Context& ctx) {
  const bool admin = ctx.principal && ctx.principal->user.role == Role::admin;
  auto list = ds.workers.list();
  auto stats = ds.queue.stats();
  json::array items;
  if (list) {
    for (const auto& w : list.value()) {
      json::object item{{"id", w.id},
                        {"started_at", rfc3339(w.started_at_ms)},
                        {"last_heartbeat", rfc3339(w.last_heartbeat_ms)},
                        {"jobs_done", w.jobs_done}};
      if (admin) {
        item["host"] = w.host;
        item["pid"] = w.pid;
        item["current_job"] = w.current_job ? json::value(*w.current_job) : json::value(nullptr);
      }
      items.emplace_back(std::move(item));
    }
  }
  json::object queue;
  if (stats) {
    queue = json::object{{"depth", stats->depth},
                         {"in_flight", stats->in_flight},
                         {"oldest_queued_age_s", stats->oldest_queued_age_s}};
  }
  bool ok = list && stats && !items.empty();
  json::object out{{"status", ok ? "ok" : "degraded"},
                   {"workers", std::move(items)},
                   {"queue", std::move(queue)}};
  if (!list) {
    spdlog::warn("health: cannot list the workers: {}", list.error().message);
    if (admin) out["error"] = list.error().message;
  }
  return json_response(ok ? 200 : 503, out);
}

}  // namespace

void register_worker_health_routes(http::Router& router, DetectionServices& ds) {
  router.add(
      {"GET",
       "/health/workers",
       http::AuthMode::optional,
       "none",
       {"Live workers (heartbeats), queue depth, age of the oldest queued job; hosts, pids and "
        "current jobs for admins",
        "health", "", ""},
       [&ds](http::Context& c) { return workers(ds, c); }});
}

void register_all_routes(http::Router& router, Services& s, DetectionServices& ds) {
  register_health_routes(router, s);
  register_worker_health_routes(router, ds);
  register_auth_routes(router, s);
  register_user_routes(router, s);
  register_api_key_routes(router, s);
  register_detect_routes(router, s, ds);
  register_job_routes(router, s, ds);
  register_stats_routes(router, s);
  register_image_routes(router, s, ds);
  register_model_routes(router, ds);
  register_deepstack_routes(router, s, ds);
  register_admin_routes(router, s);
  register_web_routes(router, s);
  register_docs_routes(router, s);  // last: it documents the routes above
}

}  // namespace ov::api
