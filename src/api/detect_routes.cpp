// POST /api/v1/detect/image and /api/v1/detect/batch: store, queue, answer 202 (or wait).
#include <boost/json.hpp>

#include <chrono>

#include "api/detection_routes.hpp"
#include "api/job_json.hpp"
#include "api/job_waiter.hpp"
#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "api/upload.hpp"
#include "core/ids.hpp"
#include "http/middleware.hpp"
#include "jobs/lifecycle.hpp"
#include "storage/database.hpp"
#include "storage/jobs.hpp"
#include "worker/early_runs.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

Response too_busy(const std::string& detail, int retry_after_s, int status = 429) {
  Response r = http::error_response(status, detail);
  r.headers.set("Retry-After", std::to_string(retry_after_s));
  return r;
}

Response accepted(const Job& job) {  // 202 and where to look
  Response r = json_response(
      202, json::object{{"detection_id", job.id}, {"job_id", job.id}, {"status", "queued"}});
  r.headers.set("Location", "/api/v1/detect/jobs/" + job.id);
  return r;
}

bool waits(const Context& ctx, const config::Config& config) {
  auto wait = ctx.request.query_param("wait");
  return wait && (*wait == "true" || *wait == "1") && config.wait_timeout_s > 0;
}

// A request that waits for its one image, in a process whose own workers run the job: the
// detection starts now on an idle early lane, beside the storing of the upload and the commit
// of the job (the worker takes its result). Nothing starts when no lane is idle.
void start_early(DetectionServices& ds, const config::Config& config, const Upload& up,
                 jobs::NewJob& request) {
  if (ds.early == nullptr || up.images.size() != 1) return;
  request.id = new_uuid();
  const auto& image = up.images.front();
  auto bytes = std::make_shared<const std::string>(image.data);
  auto options = jobs::detect_options(up.params);
  // The job's own time limit, counted from now: its worker waits for this run at most so long.
  options.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(config.job_timeout_s);
  (void)ds.early->start(request.id, 0, std::move(bytes), std::move(options));
}

Response submit(Services& s, DetectionServices& ds, Context& ctx, UploadKind kind) {
  const auto& config = s.config;
  Upload up = parse_upload(ctx.request, kind, config, ds.engine);
  const bool wait = waits(ctx, config);
  jobs::NewJob request;
  if (wait) start_early(ds, config, up, request);
  request.user_id = ctx.principal->user.id;
  request.name = up.name;
  request.params = up.params;
  request.params.notify = !wait;  // a waiting client has its answer: no job-finished mail
  for (const auto& img : up.images) {
    request.images.push_back(
        jobs::NewImage{img.filename, img.content_type, img.extension, img.data});
  }
  auto submitted = ds.jobs.submit(request);
  if (!submitted && ds.early != nullptr && !request.id.empty()) ds.early->forget(request.id);
  if (!submitted) {
    const Error& e = submitted.error();
    if (e.code == Errc::rate_limited) return too_busy(e.message, 5);
    if (e.code == Errc::no_space) throw ApiError(507, e.message);
    if (e.code == Errc::unavailable) return too_busy(e.message, 5, 503);
    throw_api_error(e);
  }
  const Job& job = submitted.value();

  if (!wait) return accepted(job);
  // Waits without a thread: the job's final event resolves the answer, made then on the
  // blocking pool; the timeout looks once more and answers 202 if it is still running.
  auto& repo = s.db.jobs();
  const std::string id = job.id;
  auto finished = [&repo, id, job]() -> Response {
    auto now = repo.find(id);
    if (!now || !is_final(now->status)) return accepted(job);
    return json_response(200, job_json(*now, repo.images(id), repo.objects(id)));
  };
  auto later = std::make_shared<http::Later>(std::chrono::seconds(config.wait_timeout_s),
                                             accepted(job), finished);
  ds.waiter.watch(id, later, finished);
  if (auto now = repo.find(id); !now || is_final(now->status)) later->resolve(finished());
  return Response::deferred(later);
}

}  // namespace

void register_detect_routes(http::Router& router, Services& s, DetectionServices& ds) {
  using http::AuthMode;
  router.add({"POST", "/api/v1/detect/image", AuthMode::bearer, "", docs::detect_image(),
              [&s, &ds](Context& c) { return submit(s, ds, c, UploadKind::single); }});
  router.add({"POST", "/api/v1/detect/batch", AuthMode::bearer, "", docs::detect_batch(),
              [&s, &ds](Context& c) { return submit(s, ds, c, UploadKind::batch); }});
}

}  // namespace ov::api
