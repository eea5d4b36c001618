// GET / DELETE /api/v1/detect/jobs/{job_id}, GET /api/v1/detect/history
#include <boost/json.hpp>

#include "api/caches.hpp"
#include "api/detection_routes.hpp"
#include "api/job_json.hpp"
#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "core/ids.hpp"
#include "jobs/lifecycle.hpp"
#include "storage/database.hpp"
#include "storage/jobs.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

// The caller's own job (any for an admin); someone else's answers 404 like a missing one.
Job visible_job(Services& s, const Context& ctx) {
  const std::string& id = ctx.params.at("job_id");
  if (!is_uuid(id))
    throw_validation("path", "job_id", "Input should be a valid UUID", "uuid_parsing");
  const User& me = ctx.principal->user;
  auto job = me.role == Role::admin ? s.db.jobs().find(id) : s.db.jobs().find_for_user(id, me.id);
  if (!job) throw ApiError(404, "Job not found");
  return *job;
}

Response get_job(Services& s, Context& ctx) {
  const std::string& id = ctx.params.at("job_id");
  const auto stamp = s.caches.stamp(id);
  auto shared = is_uuid(id) ? s.caches.shared_job(id) : SharedFound<CachedJob>{};
  const User& me = ctx.principal->user;
  if (shared.value && (shared.value->user_id == me.id || me.role == Role::admin)) {
    std::string body = shared.value->json;
    s.caches.remember_shared_job(id, std::move(*shared.value), stamp);
    return Response::json(200, std::move(body));
  }
  auto job = visible_job(s, ctx);
  auto& repo = s.db.jobs();
  std::string body = json::serialize(job_json(job, repo.images(job.id), repo.objects(job.id)));
  s.caches.remember_job(job, body, stamp);  // finished jobs only
  s.caches.share_job(job, body, shared.generation);
  return Response::json(200, std::move(body));
}

// A finished job from the cache, when the caller may see it.
std::optional<Response> get_job_fast(Services& s, Context& ctx) {
  auto cached = s.caches.job(ctx.params.at("job_id"));
  if (!cached) return std::nullopt;
  const User& me = ctx.principal->user;
  if (cached->user_id != me.id && me.role != Role::admin) return std::nullopt;  // 404 slowly
  return Response::json(200, std::move(cached->json));
}

// A queued or running job is cancelled (202; the images done are kept); a finished one is
// deleted with its files (204).
Response delete_job(Services& s, DetectionServices& ds, Context& ctx) {
  auto job = visible_job(s, ctx);
  if (!is_final(job.status)) {
    auto before = ds.jobs.cancel(job);
    if (!before) throw_api_error(before.error());
    if (!is_final(before.value())) {
      return json_response(202, json::object{{"job_id", job.id}, {"status", "cancelled"}});
    }
  }
  if (auto removed = ds.jobs.remove(job); !removed) throw_api_error(removed.error());
  return Response::empty(204);
}

Response history(Services& s, Context& ctx) {
  const std::string& me = ctx.principal->user.id;
  const auto stamp = s.caches.stamp(me);
  int limit = query_int(ctx.request, "limit", 10, 1, 100);
  int offset = query_int(ctx.request, "offset", 0, 0, 1'000'000'000);
  storage::HistoryFilter filter;
  if (auto text = ctx.request.query_param("status"); text && !text->empty()) {
    filter.status = job_status_from_string(*text);
    if (!filter.status) {
      throw_validation("query", "status",
                       "Input should be queued, processing, completed, failed or cancelled",
                       "enum");
    }
  }
  if (auto text = ctx.request.query_param("class"); text && !text->empty()) {
    if (text->size() > 100) {
      throw_validation("query", "class", "String should have at most 100 characters",
                       "string_too_long");
    }
    filter.object_class = std::move(*text);
  }
  auto shared = s.caches.shared_history(me, ctx.request.query);
  if (shared.value) {
    s.caches.remember_history(me, ctx.request.query, *shared.value, stamp);
    return Response::json(200, std::move(*shared.value));
  }
  auto page = s.db.jobs().history(me, filter, limit, offset);
  json::array items;
  for (const auto& item : page.items) items.emplace_back(history_item_json(item));
  std::string body = json::serialize(json::object{
      {"items", std::move(items)}, {"total", page.total}, {"limit", limit}, {"offset", offset}});
  s.caches.remember_history(me, ctx.request.query, body, stamp);
  s.caches.share_history(me, ctx.request.query, body, shared.generation);
  return Response::json(200, std::move(body));
}

// A page from the cache (by the raw query: another spelling is only a miss).
std::optional<Response> history_fast(Services& s, Context& ctx) {
  auto cached = s.caches.history(ctx.principal->user.id, ctx.request.query);
  if (!cached) return std::nullopt;
  return Response::json(200, std::move(*cached));
}

}  // namespace

void register_job_routes(http::Router& router, Services& s, DetectionServices& ds) {
  using http::AuthMode;
  router.add({"GET", "/api/v1/detect/jobs/{job_id}", AuthMode::bearer, "", docs::get_job(),
              [&s](Context& c) { return get_job(s, c); },
              [&s](Context& c) { return get_job_fast(s, c); }});
  router.add({"DELETE", "/api/v1/detect/jobs/{job_id}", AuthMode::bearer, "", docs::delete_job(),
              [&s, &ds](Context& c) { return delete_job(s, ds, c); }});
  router.add({"GET", "/api/v1/detect/history", AuthMode::bearer, "", docs::history(),
              [&s](Context& c) { return history(s, c); },
              [&s](Context& c) { return history_fast(s, c); }});
}

}  // namespace ov::api
