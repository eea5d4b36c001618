// POST /v1/vision/detection: DeepStack / CodeProject.AI compatible, API-key auth. The detection
// runs in an inference slot and the request waits for it without holding a thread.
#include <charconv>
#include <chrono>
#include <cmath>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "api/detection_routes.hpp"
#include "api/route_docs.hpp"
#include "api/tokens.hpp"
#include "api/upload.hpp"
#include "auth/digest.hpp"
#include "core/text.hpp"
#include "inference/engine.hpp"
#include "inference/slots.hpp"
#include "obs/logging.hpp"
#include "storage/database.hpp"

namespace ov::api {
using http::Context;
using http::Response;

namespace {

Response failure(int status, std::string_view error) {
  return Response::json(status, fmt::format(R"({{"success":false,"error":"{}","code":{}}})",
                                            json_escape(error), status));
}

std::string prediction_json(const inference::DetectedObject& d) {
  return fmt::format(
      R"({{"label":"{}","confidence":{},"y_min":{},"x_min":{},"y_max":{},"x_max":{}}})",
      json_escape(d.label), std::round(static_cast<double>(d.confidence) * 1e4) / 1e4,
      std::lround(d.box.y1), std::lround(d.box.x1), std::lround(d.box.y2), std::lround(d.box.x2));
}

Response answer(const inference::DetectionResult& result,
                std::chrono::steady_clock::time_point start) {
  std::string predictions;
  for (const auto& d : result.detections) {  // sorted by confidence, highest first
    predictions += (predictions.empty() ? "" : ",") + prediction_json(d);
  }
  long process_ms = std::lround(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  return Response::json(
      200, fmt::format(R"({{"success":true,"predictions":[{}],"count":{},"duration":{},)"
                       R"("inferenceMs":{},"processMs":{},"code":200,)"
                       R"("moduleId":"ObjectVision","command":"detect"}})",
                       predictions, result.detections.size(), process_ms,
                       std::lround(result.inference_ms), process_ms));
}

// The key from the form, X-API-Key, or a bearer access token; 401 otherwise.
bool authorized(Services& s, const Context& ctx, const std::vector<http::FormPart>& parts) {
  std::optional<std::string> key;
  for (const auto& p : parts) {
    if (p.name == "api_key" && !p.filename) key = std::string(p.data);
  }
  if (!key) {
    if (auto h = ctx.request.headers.get("X-API-Key")) key = std::string(*h);
  }
  if (key && !key->empty()) {
    auto user = s.db.users().find_by_api_key_hash(auth::sha256_hex(*key));
    return user && user->is_active;
  }
  auto h = ctx.request.headers.get("Authorization");
  if (h && h->size() > 7 && http::iequals(h->substr(0, 7), "Bearer ")) {
    return authenticate(s, h->substr(7)).ok();
  }
  return false;
}

Response detect(Services& s, DetectionServices& ds, Context& ctx) {
  auto start = std::chrono::steady_clock::now();
  try {
    auto parts = form_parts(ctx.request);
    if (!authorized(s, ctx, parts)) return failure(401, "Invalid or missing api_key");
    const http::FormPart* image = nullptr;
    double min_confidence = 0.40;
    for (const auto& p : parts) {
      if (p.name == "image" || (!image && p.filename)) image = &p;
      if (p.name == "min_confidence" && !p.filename) {
        double v = 0;
        auto [ptr, ec] = std::from_chars(p.data.data(), p.data.data() + p.data.size(), v);
        if (ec != std::errc() || ptr != p.data.data() + p.data.size() || v < 0 || v > 1) {
          return failure(400, "min_confidence must be a number from 0 to 1");
        }
        min_confidence = v;
      }
    }
    if (!image || image->data.empty()) return failure(400, "No image found in the request");
    check_image_part(*image, "image", s.config.max_image_pixels);
    inference::DetectOptions options;
    options.confidence = static_cast<float>(min_confidence);
    // The detection runs in an inference slot and answers through `later`: no thread of the
    // server waits for it. The bytes are copied: the request may be gone at the timeout.
    auto later = std::make_shared<http::Later>(
        std::chrono::seconds(s.config.wait_timeout_s > 0 ? s.config.wait_timeout_s : 30),
        failure(503, "The detection did not finish in time"));
    std::string bytes(image->data);
    const inference::Engine& engine = ds.engine;
    bool admitted = ds.slots.try_run([&engine, later, options, start, bytes = std::move(bytes)] {
      try {
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes.data());
        auto result = engine.detect({data, bytes.size()}, options);
        if (!result) {
          later->resolve(failure(http_status(result.error().code), result.error().message));
          return;
        }
        later->resolve(answer(*result, start));
      } catch (const std::exception& e) {
        spdlog::error("deepstack: the detection failed: {}", e.what());
        later->resolve(failure(500, "The detection failed"));
      }
    });
    if (!admitted) {
      Response busy = failure(503, "Every inference slot is busy; try again shortly");
      busy.headers.set("Retry-After", "1");
      return busy;
    }
    return Response::deferred(later);
  } catch (const ApiError& e) {
    return failure(e.status(), e.detail_is_json() ? "Invalid request" : e.detail());
  }
}

}  // namespace

void register_deepstack_routes(http::Router& router, Services& s, DetectionServices& ds) {
  router.add({"POST", "/v1/vision/detection", http::AuthMode::none, "", docs::deepstack(),
              [&s, &ds](Context& c) { return detect(s, ds, c); }});
}

}  // namespace ov::api
