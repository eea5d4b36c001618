// GET / DELETE /api/v1/detect/jobs/{job_id}, GET /api/v1/detect/history
#include <charconv>

#include <boost/json.hpp>

#include "api/detection_routes.hpp"
#include "api/job_json.hpp"
#include "api/json_io.hpp"
#include "core/ids.hpp"
#include "events/bus.hpp"
#include "files/file_store.hpp"
#include "queue/job_queue.hpp"
#include "storage/database.hpp"
#include "storage/detections.hpp"
#include "worker/job_events.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;
using storage::DetectionStatus;

namespace {

// The caller's own detection (any for an admin); someone else's answers 404 like a missing one.
storage::Detection visible_job(Services& s, const Context& ctx) {
  const std::string& id = ctx.params.at("job_id");
  if (!is_uuid(id))
    throw_validation("path", "job_id", "Input should be a valid UUID", "uuid_parsing");
  const User& me = ctx.principal->user;
  auto d = me.role == Role::admin ? s.db.detections().find(id)
                                  : s.db.detections().find_for_user(id, me.id);
  if (!d) throw ApiError(404, "Job not found");
  return *d;
}

Response get_job(Services& s, Context& ctx) {
  auto d = visible_job(s, ctx);
  auto& repo = s.db.detections();
  return json_response(200, job_json(d, repo.images(d.id), repo.results(d.id)));
}

Response delete_job(Services& s, DetectionServices& ds, Context& ctx) {
  auto d = visible_job(s, ctx);
  auto& repo = s.db.detections();
  if (!storage::is_final(d.status)) {
    auto before = repo.cancel(d.id, now_ms());
    if (!before) throw_api_error(before.error());
    if (!storage::is_final(*before)) {
      (void)ds.queue.remove(d.id);  // a queued job never runs; a running one stops
      ds.bus.publish({d.user_id, worker::job_event_json({"job.cancelled", d.id, "cancelled",
                                                         d.processed_count, d.image_count})});
      return json_response(202, json::object{{"job_id", d.id}, {"status", "cancelled"}});
    }
  }
  auto removed = repo.remove(d.id);
  if (!removed) throw_api_error(removed.error());
  (void)ds.queue.remove(d.id);
  ds.files.remove_detection(d.id);
  return Response::empty(204);
}

int int_param(const Context& ctx, const char* name, int fallback, int lo, int hi) {
  auto text = ctx.request.query_param(name);
  if (!text) return fallback;
  int v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size() || v < lo || v > hi) {
    throw_validation(
        "query", name,
        "Input should be an integer from " + std::to_string(lo) + " to " + std::to_string(hi),
        "value_error");
  }
  return v;
}

Response history(Services& s, Context& ctx) {
  int limit = int_param(ctx, "limit", 10, 1, 100);
  int offset = int_param(ctx, "offset", 0, 0, 1'000'000'000);
  std::optional<DetectionStatus> status;
  if (auto text = ctx.request.query_param("status"); text && !text->empty()) {
    status = storage::detection_status_from_string(*text);
    if (!status) {
      throw_validation("query", "status",
                       "Input should be queued, processing, completed, failed or cancelled",
                       "enum");
    }
  }
  auto page = s.db.detections().history(ctx.principal->user.id, status, limit, offset);
  json::array items;
  for (const auto& item : page.items) items.emplace_back(history_item_json(item));
  return json_response(200, json::object{{"items", std::move(items)},
                                         {"total", page.total},
                                         {"limit", limit},
                                         {"offset", offset}});
}

}  // namespace

void register_job_routes(http::Router& router, Services& s, DetectionServices& ds) {
  using http::AuthMode;
  router.add({"GET",
              "/api/v1/detect/jobs/{job_id}",
              AuthMode::bearer,
              "",
              {"A job: status, progress, per-image results", "detection", "", ""},
              [&s](Context& c) { return get_job(s, c); }});
  router.add({"DELETE",
              "/api/v1/detect/jobs/{job_id}",
              AuthMode::bearer,
              "",
              {"Cancel a queued or running job, or delete a finished one", "detection", "", ""},
              [&s, &ds](Context& c) { return delete_job(s, ds, c); }});
  router.add({"GET",
              "/api/v1/detect/history",
              AuthMode::bearer,
              "",
              {"The caller's jobs, newest first, with counts per class", "detection", "", ""},
              [&s](Context& c) { return history(s, c); }});
}

}  // namespace ov::api
