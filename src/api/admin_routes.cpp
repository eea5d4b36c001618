// /api/v1/admin/...: what operators look at (admins only).
//   GET /api/v1/admin/schedules: each scheduled task, its schedule, its next and last run.
//   GET /api/v1/admin/failures: every user's failed jobs, the latest first.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "api/routes.hpp"
#include "api/services.hpp"
#include "core/ids.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

json::value time_or_null(const std::optional<std::int64_t>& ms) {
  return ms ? json::value(rfc3339(*ms)) : json::value(nullptr);
}

http::Response schedules(Services& s, const http::Context& ctx) {
  require_admin(ctx, "see this");
  auto rows = s.db.schedules().list();
  if (!rows) throw_api_error(rows.error());
  json::array tasks;
  for (const auto& r : rows.value()) {
    const bool running = r.last_started_at_ms &&
                         (!r.last_finished_at_ms || *r.last_finished_at_ms < *r.last_started_at_ms);
    json::value last = nullptr;
    if (r.run_count > 0) {
      last = json::object{
          {"number", r.run_count},
          {"started_at", time_or_null(r.last_started_at_ms)},
          {"finished_at", running ? json::value(nullptr) : time_or_null(r.last_finished_at_ms)},
          {"ok", running || !r.last_ok ? json::value(nullptr) : json::value(*r.last_ok)},
          {"result",
           running || !r.last_result ? json::value(nullptr) : json::value(*r.last_result)},
          {"node", r.last_holder ? json::value(*r.last_holder) : json::value(nullptr)}};
    }
    tasks.emplace_back(json::object{{"name", r.name},
                                    {"schedule", r.schedule},
                                    {"next_run_at", rfc3339(r.next_run_at_ms)},
                                    {"running", running},
                                    {"last_run", std::move(last)}});
  }
  return json_response(200, json::object{{"tasks", std::move(tasks)}});
}

http::Response failures(Services& s, const http::Context& ctx) {
  require_admin(ctx, "see this");
  const int limit = query_int(ctx.request, "limit", 20, 1, 100);
  auto rows = s.db.jobs().recent_failures(limit);
  if (!rows) throw_api_error(rows.error());
  json::array out;
  for (const auto& f : rows.value()) {
    const Job& j = f.job;
    out.emplace_back(json::object{{"job_id", j.id},
                                  {"user_id", j.user_id},
                                  {"user_email", f.user_email},
                                  {"name", j.name},
                                  {"error", j.error ? json::value(*j.error) : json::value(nullptr)},
                                  {"image_count", j.image_count},
                                  {"processed_count", j.processed_count},
                                  {"created_at", rfc3339(j.created_at_ms)},
                                  {"failed_at", rfc3339(j.updated_at_ms)}});
  }
  return json_response(200, json::object{{"failures", std::move(out)}, {"limit", limit}});
}

}  // namespace

void require_admin(const http::Context& ctx, std::string_view what) {
  if (!ctx.principal || ctx.principal->user.role != Role::admin) {
    throw ApiError(403, fmt::format("Only an admin may {}", what));
  }
}

void register_admin_routes(http::Router& router, Services& s) {
  router.add(
      {"GET",
       "/api/v1/admin/schedules",
       http::AuthMode::bearer,
       "",
       {"Scheduled tasks: schedule, next run, the last run's number, times, result and "
        "node (admins)",
        "admin", "",
        R"({"200":{"description":"The tasks","content":{"application/json":{"schema":{"type":"object","properties":{"tasks":{"type":"array","items":{"type":"object"}}}}}}},)"
        R"("401":{"description":"Not authenticated"},"403":{"description":"Not an admin"}})"},
       [&s](http::Context& c) { return schedules(s, c); }});
  http::RouteDoc failures_doc{
      "Every user's failed jobs, the latest failure first: whose, the error, how far it got "
      "(admins)",
      "admin", "",
      R"({"200":{"description":"The failed jobs","content":{"application/json":{"schema":{"type":"object","properties":{"failures":{"type":"array","items":{"type":"object","properties":{"job_id":{"type":"string","format":"uuid"},"user_id":{"type":"string","format":"uuid"},"user_email":{"type":"string"},"name":{"type":"string"},"error":{"type":["string","null"]},"image_count":{"type":"integer"},"processed_count":{"type":"integer"},"created_at":{"type":"string","format":"date-time"},"failed_at":{"type":"string","format":"date-time"}}}},"limit":{"type":"integer"}}}}}},)"
      R"("401":{"description":"Not authenticated"},"403":{"description":"Not an admin"},"422":{"description":"Invalid limit"}})"};
  failures_doc.query =
      R"([{"name":"limit","in":"query","schema":{"type":"integer","minimum":1,"maximum":100,"default":20}}])";
  router.add({"GET", "/api/v1/admin/failures", http::AuthMode::bearer, "", failures_doc,
              [&s](http::Context& c) { return failures(s, c); }});
}

}  // namespace ov::api
