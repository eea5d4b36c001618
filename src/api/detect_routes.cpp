// POST /api/v1/detect/image and /api/v1/detect/batch: store, queue, answer 202 (or wait).
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "api/detection_routes.hpp"
#include "api/job_json.hpp"
#include "api/job_waiter.hpp"
#include "api/json_io.hpp"
#include "api/upload.hpp"
#include "core/ids.hpp"
#include "events/bus.hpp"
#include "files/file_store.hpp"
#include "http/middleware.hpp"
#include "queue/job_queue.hpp"
#include "storage/database.hpp"
#include "storage/detections.hpp"
#include "worker/job_events.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

Response too_busy(const std::string& detail, int retry_after_s) {
  Response r = http::error_response(429, detail);
  r.headers.set("Retry-After", std::to_string(retry_after_s));
  return r;
}

Response accepted(const storage::Detection& d) {
  Response r = json_response(
      202, json::object{{"detection_id", d.id}, {"job_id", d.id}, {"status", "queued"}});
  r.headers.set("Location", "/api/v1/detect/jobs/" + d.id);
  return r;
}

Response submit(Services& s, DetectionServices& ds, Context& ctx, UploadKind kind) {
  const auto& config = s.config;
  Upload up = parse_upload(ctx.request, kind, config, ds.engine);
  const User& me = ctx.principal->user;
  auto& repo = s.db.detections();
  if (repo.in_flight_for_user(me.id) >= config.max_jobs_in_flight_per_user) {
    return too_busy("Too many jobs in flight for this user; wait for some to finish", 5);
  }

  storage::Detection detection;
  detection.id = new_uuid();
  detection.user_id = me.id;
  detection.name = up.name;
  detection.params_json = worker::to_json(up.params);
  std::vector<storage::DetectionImage> images;
  for (const auto& img : up.images) {
    storage::DetectionImage row;
    row.id = new_uuid();
    row.filename = img.filename;
    row.content_type = img.content_type;
    row.file_size = static_cast<std::int64_t>(img.data.size());
    row.original_path = files::FileStore::key(detection.id, row.id, "original", img.extension);
    if (auto w = ds.files.write(row.original_path, img.data); !w) {
      ds.files.remove_detection(detection.id);
      spdlog::error("upload: {}", w.error().message);
      if (w.error().code == Errc::no_space) {
        throw ApiError(507, "Not enough storage space to keep the upload; try again later");
      }
      throw ApiError(500, "The upload could not be stored");
    }
    images.push_back(std::move(row));
  }
  auto created = repo.create(detection, images);
  if (!created) {
    ds.files.remove_detection(detection.id);
    throw_api_error(created.error());
  }
  const auto& d = created->detection;
  // Before the enqueue: a worker elsewhere may start it at once, and job.queued comes first.
  ds.bus.publish({me.id, worker::job_event_json({"job.queued", d.id, "queued", 0, d.image_count})});
  auto queued = ds.queue.enqueue(detection.id);
  if (!queued) {
    (void)repo.remove(detection.id);
    ds.files.remove_detection(detection.id);
    if (queued.error().code == Errc::rate_limited) {
      return too_busy("The detection queue is full; try again shortly", 5);
    }
    throw_api_error(queued.error());
  }
  if (ds.wake_workers) ds.wake_workers();

  auto wait = ctx.request.query_param("wait");
  if (wait && (*wait == "true" || *wait == "1")) {
    auto is_final = [&] {
      auto now = repo.find(d.id);
      return !now || storage::is_final(now->status);
    };
    if (ds.waiter.wait(d.id, std::chrono::seconds(config.wait_timeout_s), is_final)) {
      if (auto done = repo.find(d.id)) {
        return json_response(200, job_json(*done, repo.images(d.id), repo.results(d.id)));
      }
    }
  }
  return accepted(d);
}

}  // namespace

void register_detect_routes(http::Router& router, Services& s, DetectionServices& ds) {
  using http::AuthMode;
  router.add({"POST",
              "/api/v1/detect/image",
              AuthMode::bearer,
              "",
              {"Detect objects in one image (a job)", "detection", "", ""},
              [&s, &ds](Context& c) { return submit(s, ds, c, UploadKind::single); }});
  router.add({"POST",
              "/api/v1/detect/batch",
              AuthMode::bearer,
              "",
              {"Detect objects in several images (one job)", "detection", "", ""},
              [&s, &ds](Context& c) { return submit(s, ds, c, UploadKind::batch); }});
}

}  // namespace ov::api
