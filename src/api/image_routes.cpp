// GET /api/v1/detect/images/{image_id}/original and /annotated: ETag, If-None-Match, Range.
#include <charconv>

#include "api/detection_routes.hpp"
#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "auth/digest.hpp"
#include "core/ids.hpp"
#include "files/file_store.hpp"
#include "http/middleware.hpp"
#include "jobs/lifecycle.hpp"
#include "storage/database.hpp"
#include "storage/jobs.hpp"

namespace ov::api {
using http::Context;
using http::Response;

namespace {

struct ByteRange {
  std::size_t first = 0, last = 0;
};

// One "bytes=a-b" / "bytes=a-" / "bytes=-n" range; nullopt for anything else (then the whole
// file is sent, as RFC 9110 allows). `unsatisfiable` is set for a range past the end.
std::optional<ByteRange> parse_range(std::string_view h, std::size_t size, bool& unsatisfiable) {
  unsatisfiable = false;
  if (h.substr(0, 6) != "bytes=" || h.find(',') != std::string_view::npos) return std::nullopt;
  h.remove_prefix(6);
  auto dash = h.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  auto parse = [](std::string_view t, std::size_t& out) {
    return !t.empty() &&
           std::from_chars(t.data(), t.data() + t.size(), out).ptr == t.data() + t.size();
  };
  std::size_t a = 0, b = 0;
  std::string_view left = h.substr(0, dash), right = h.substr(dash + 1);
  if (left.empty()) {  // suffix: the last b bytes
    if (!parse(right, b)) return std::nullopt;
    if (b == 0 || size == 0) {
      unsatisfiable = true;
      return std::nullopt;
    }
    return ByteRange{size - std::min(b, size), size - 1};
  }
  if (!parse(left, a)) return std::nullopt;
  if (right.empty()) {
    b = size - 1;
  } else if (!parse(right, b) || b < a) {
    return std::nullopt;
  }
  if (a >= size) {
    unsatisfiable = true;
    return std::nullopt;
  }
  return ByteRange{a, std::min(b, size - 1)};
}

// The file's bytes as the answer: ETag, If-None-Match, Range.
Response answer(Context& ctx, const std::string& key, std::string bytes) {
  std::string etag = "\"" + auth::sha256_hex(bytes).substr(0, 32) + "\"";
  Response r;
  r.headers.set("ETag", etag);
  r.headers.set("Cache-Control", "private, max-age=3600");
  r.headers.set("Accept-Ranges", "bytes");
  if (auto inm = ctx.request.headers.get("If-None-Match");
      inm && (inm->find(etag) != std::string_view::npos || *inm == "*")) {
    r.status = 304;
    return r;
  }
  r.headers.set("Content-Type", std::string(files::FileStore::content_type(key)));
  if (auto range = ctx.request.headers.get("Range")) {
    bool unsatisfiable = false;
    auto br = parse_range(*range, bytes.size(), unsatisfiable);
    if (unsatisfiable) {
      Response e = http::error_response(416, "Range Not Satisfiable");
      e.headers.set("Content-Range", "bytes */" + std::to_string(bytes.size()));
      return e;
    }
    if (br) {
      r.status = 206;
      r.headers.set("Content-Range", "bytes " + std::to_string(br->first) + "-" +
                                         std::to_string(br->last) + "/" +
                                         std::to_string(bytes.size()));
      // The range is cut out of the file in place: never a second copy of it.
      r.body = std::move(bytes);
      r.body.erase(br->last + 1);
      r.body.erase(0, br->first);
      return r;
    }
  }
  r.body = std::move(bytes);
  return r;
}

Response serve_image(Services& s, DetectionServices& ds, Context& ctx, bool annotated) {
  const std::string& id = ctx.params.at("image_id");
  if (!is_uuid(id))
    throw_validation("path", "image_id", "Input should be a valid UUID", "uuid_parsing");
  auto owned = s.db.jobs().image(id);
  const User& me = ctx.principal->user;
  if (!owned || (owned->user_id != me.id && me.role != Role::admin)) {
    throw ApiError(404, "Image not found");
  }
  const auto& img = owned->image;
  if (annotated ? img.annotated_deleted_at_ms.has_value()
                : img.original_deleted_at_ms.has_value()) {
    throw ApiError(410, annotated ? "The annotated image was deleted after the retention period "
                                    "(RETENTION_DAYS); the results are kept"
                                  : "The original image was deleted after the retention period "
                                    "(RETENTION_DAYS); the results are kept");
  }
  std::optional<std::string> key =
      annotated ? img.annotated_path : std::optional(img.original_path);
  if (!key)
    throw ApiError(404, img.processed ? "No annotated image for this job" : "Not processed yet");
  // The annotated image is drawn the first time it is asked for (Lifecycle::ensure_annotated).
  auto draw = [&] {
    auto drawn = ds.jobs.ensure_annotated(img);
    if (!drawn) throw_api_error(drawn.error());
    return std::move(drawn.value());
  };
  if (s.config.s3_presign_seconds > 0) {
    jobs::AnnotatedImage drawn;
    if (annotated) drawn = draw();
    // Drawn but not kept (the store is full): answered here, there is nothing to link to.
    if (!drawn.stored) return answer(ctx, *key, std::move(*drawn.drawn));
    const std::chrono::seconds ttl(s.config.s3_presign_seconds);
    if (auto link = ds.files.link(*key, ttl)) {
      Response redirect;
      redirect.status = 307;
      redirect.headers.set("Location", *link);
      redirect.headers.set("Cache-Control", "private, max-age=" + std::to_string(ttl.count() / 2));
      return redirect;
    }
  }
  auto bytes = ds.files.read(*key);
  if (!bytes && bytes.error().code == Errc::not_found && annotated) {
    auto drawn = draw();
    bytes = drawn.drawn ? Result<std::string>(std::move(*drawn.drawn)) : ds.files.read(*key);
  }
  if (!bytes) {
    if (bytes.error().code == Errc::unavailable) {
      throw ApiError(503, "The file store cannot be reached; try again shortly");
    }
    throw ApiError(404, "Image not found");
  }
  return answer(ctx, *key, std::move(bytes.value()));
}

}  // namespace

void register_image_routes(http::Router& router, Services& s, DetectionServices& ds) {
  using http::AuthMode;
  router.add({"GET", "/api/v1/detect/images/{image_id}/original", AuthMode::bearer, "",
              docs::image(false), [&s, &ds](Context& c) { return serve_image(s, ds, c, false); }});
  router.add({"GET", "/api/v1/detect/images/{image_id}/annotated", AuthMode::bearer, "",
              docs::image(true), [&s, &ds](Context& c) { return serve_image(s, ds, c, true); }});
}

}  // namespace ov::api
