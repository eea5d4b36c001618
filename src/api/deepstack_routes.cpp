// The DeepStack / CodeProject.AI surface that NVRs and home automation speak:
//   POST /v1/vision/detection           the default model
//   POST /v1/vision/custom/{model}      a loaded model, or an alias (MODEL_ALIASES, or set at
//                                       run time: /api/v1/models/aliases)
//   POST|GET /v1/vision/custom/list     the models and aliases
//   GET /v1/server/status/ping, /v1/status/ping, /v1/status/updateavailable
//   face, scene and the other modules we do not serve: 404 {success: false, error}
// A detection runs in an inference slot and the request waits for it without holding a
// thread; the same frame asked again within DEEPSTACK_DUPLICATE_WINDOW_MS is answered from the
// first (RecentFrames). Access: an API key (form field api_key or X-API-Key) or a bearer
// token; with DEEPSTACK_ANONYMOUS=true, none too. Rate limits: the "camera" bucket per client.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include <charconv>
#include <chrono>
#include <optional>
#include <string>

#include "api/deepstack_reply.hpp"
#include "api/detection_routes.hpp"
#include "api/json_io.hpp"
#include "api/recent_frames.hpp"
#include "api/route_docs.hpp"
#include "api/routes.hpp"
#include "api/tokens.hpp"
#include "api/upload.hpp"
#include "auth/digest.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "inference/engine.hpp"
#include "inference/slots.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

// Thrown inside a detection request: answered as deepstack_failure(status, error).
struct Refusal {
  int status;
  std::string error;
};

// Who asks: a user (by key or token), or nobody when anonymous access is on. A key that is
// given must be right even then: a misconfigured camera is told so.
std::string asker(Services& s, const Context& ctx, const std::vector<http::FormPart>& parts) {
  std::optional<std::string> key;
  for (const auto& p : parts) {
    if (p.name == "api_key" && !p.filename && !p.data.empty()) key = std::string(p.data);
  }
  if (!key) {
    if (auto h = ctx.request.headers.get("X-API-Key"); h && !h->empty()) key = std::string(*h);
  }
  if (key) {
    auto user = s.db.users().find_by_api_key_hash(auth::sha256_hex(*key));
    if (!user || !user->is_active) throw Refusal{401, "Incorrect api key"};
    return user->id;
  }
  auto h = ctx.request.headers.get("Authorization");
  if (h && h->size() > 7 && http::iequals(h->substr(0, 7), "Bearer ")) {
    auto principal = authenticate(s, h->substr(7));
    if (!principal) throw Refusal{401, principal.error().message};
    return principal->user.id;
  }
  if (s.config.deepstack_anonymous) return "anonymous";
  throw Refusal{401, "An API key is required: the api_key field, X-API-Key or a bearer token"};
}

// DeepStack's rules: a string float, 0.40 when absent, at most 1.
float min_confidence(const std::vector<http::FormPart>& parts) {
  for (const auto& p : parts) {
    if (p.name != "min_confidence" || p.filename) continue;
    const std::string text = trim(p.data);
    double v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
        !std::isfinite(v)) {
      throw Refusal{400, "Invalid value for min_confidence"};
    }
    if (v > 1) throw Refusal{400, "min_confidence cannot be greater than 1"};
    if (v < 0) throw Refusal{400, "min_confidence cannot be negative"};
    return static_cast<float>(v);
  }
  return 0.40f;
}

Response detect(Services& s, DetectionServices& ds, Context& ctx, const std::string& command) {
  DeepstackCall call;
  call.command = command;
  call.request_id = ctx.request_id;
  call.max_predictions = static_cast<std::size_t>(s.config.deepstack_max_predictions);
  try {
    std::vector<http::FormPart> parts;
    try {
      parts = form_parts(ctx.request);
    } catch (const ApiError& e) {  // not multipart, or malformed: DeepStack finds no image
      throw Refusal{400, "No valid image file found"};
    }
    const std::string who = asker(s, ctx, parts);
    std::string model;
    if (command == "custom") {
      const std::string& name = ctx.params.at("model");
      // A loaded model or an alias (the engine resolves both; unloaded meanwhile: 404 below).
      auto resolved = ds.engine.find_model(name);
      if (!resolved) {
        throw Refusal{404, fmt::format("No model named '{}'; POST /v1/vision/custom/list lists "
                                       "them",
                                       name)};
      }
      // The default model by any name is "" (what /v1/vision/detection asks): Blue Iris's two
      // requests for one frame are then one detection (RecentFrames).
      model = resolved->is_default ? std::string() : resolved->name;
    }
    const http::FormPart* image = nullptr;
    for (const auto& p : parts) {
      if (p.name == "image" || (!image && p.filename)) image = &p;
    }
    if (!image || image->data.empty()) throw Refusal{400, "No valid image file found"};
    check_image_part(*image, "image", s.config.max_image_pixels);
    inference::DetectOptions options;
    options.model = model;
    options.confidence = min_confidence(parts);

    // The detection answers through `later`: no thread of the server waits for it.
    auto later = std::make_shared<http::Later>(
        std::chrono::seconds(s.config.wait_timeout_s > 0 ? s.config.wait_timeout_s : 30),
        deepstack_failure(503, "The detection did not finish in time", call));
    auto deliver = [later, call](const Result<inference::DetectionResult>& result) {
      if (result) {
        later->resolve(deepstack_detections(result.value(), call));
      } else {
        const int status =
            result.error().code == Errc::unavailable ? 503 : http_status(result.error().code);
        later->resolve(deepstack_failure(status, result.error().message, call));
      }
    };
    const std::string key = fmt::format("{}|{}|{}|{}", who, auth::sha256_hex(image->data), model,
                                        options.confidence.value_or(0.0f));
    if (!ds.frames.join(key, deliver)) return Response::deferred(later);

    // The first of its frame: copied, since the request may be gone at the timeout.
    std::string copy(image->data);
    const inference::Engine& engine = ds.engine;
    RecentFrames& frames = ds.frames;
    bool admitted =
        ds.slots.try_run([&engine, &frames, deliver, key, options, copy = std::move(copy)] {
          Result<inference::DetectionResult> result = Error{Errc::internal, "The detection failed"};
          try {
            const auto* data = reinterpret_cast<const std::uint8_t*>(copy.data());
            result = engine.detect({data, copy.size()}, options);
          } catch (const std::exception& e) {
            spdlog::error("deepstack: the detection failed: {}", e.what());
          }
          deliver(result);
          frames.complete(key, result);
        });
    if (!admitted) {
      Result<inference::DetectionResult> busy =
          Error{Errc::unavailable, "Every inference slot is busy; try again shortly"};
      frames.complete(key, busy);  // those that joined it hear it too
      Response r = deepstack_failure(503, busy.error().message, call);
      r.headers.set("Retry-After", "1");
      return r;
    }
    return Response::deferred(later);
  } catch (const Refusal& r) {
    return deepstack_failure(r.status, r.error, call);
  } catch (const ApiError& e) {
    return deepstack_failure(e.status(), e.detail_is_json() ? "Invalid request" : e.detail(), call);
  }
}

Response model_list(const inference::Engine& engine) {
  json::array models;
  for (const auto& m : engine.models()) models.emplace_back(json::string(m.name));
  for (const auto& [alias, model] : engine.aliases()) models.emplace_back(json::string(alias));
  return json_response(200, json::object{{"success", true},
                                         {"models", std::move(models)},
                                         {"moduleId", "ObjectVision"},
                                         {"code", 200}});
}

json::object version_info() {
  int major = 0, minor = 0, patch = 0;
  std::sscanf(kVersion, "%d.%d.%d", &major, &minor, &patch);
  return json::object{{"major", major},  {"minor", minor},         {"patch", patch},
                      {"build", 0},      {"preRelease", nullptr},  {"securityUpdate", false},
                      {"file", nullptr}, {"releaseNotes", nullptr}};
}

Response ping() {
  return json_response(200,
                       json::object{{"success", true},
                                    {"message", ""},
                                    {"version", kVersion},
                                    {"timestampUTC", rfc1123(std::chrono::system_clock::now())}});
}

// What Blue Iris asks: never "update available" (we are updated with the rest of the system).
Response update_available() {
  return json_response(
      200,
      json::object{{"success", true},
                   {"message", fmt::format("ObjectVision {} is the current version", kVersion)},
                   {"version", version_info()},
                   {"current", version_info()},
                   {"latest", version_info()},
                   {"updateAvailable", false},
                   {"timestampUTC", rfc1123(std::chrono::system_clock::now())}});
}

// DeepStack and CodeProject.AI modules that ObjectVision does not serve.
constexpr const char* kUnserved[] = {
    "/v1/vision/face",      "/v1/vision/face/recognize",  "/v1/vision/face/register",
    "/v1/vision/face/list", "/v1/vision/face/delete",     "/v1/vision/face/match",
    "/v1/vision/scene",     "/v1/vision/enhance",         "/v1/vision/alpr",
    "/v1/vision/ocr",       "/v1/image/removebackground", "/v1/image/superresolution",
    "/v1/image/cartoonise"};

}  // namespace

void register_deepstack_routes(http::Router& router, Services& s, DetectionServices& ds) {
  using http::AuthMode;
  router.add({"POST", "/v1/vision/detection", AuthMode::none, "camera", docs::deepstack(false),
              [&s, &ds](Context& c) { return detect(s, ds, c, "detect"); }});
  router.add({"POST", "/v1/vision/custom/list", AuthMode::none, "camera", docs::deepstack_models(),
              [&ds](Context&) { return model_list(ds.engine); }});
  router.add(
      never_blocks({"GET", "/v1/vision/custom/list", AuthMode::none, "camera",
                    docs::deepstack_models(), [&ds](Context&) { return model_list(ds.engine); }}));
  router.add({"POST", "/v1/vision/custom/{model}", AuthMode::none, "camera", docs::deepstack(true),
              [&s, &ds](Context& c) { return detect(s, ds, c, "custom"); }});
  for (const char* path : {"/v1/server/status/ping", "/v1/status/ping"}) {
    router.add(never_blocks({"GET", path, AuthMode::none, "camera", docs::deepstack_ping(),
                             [](Context&) { return ping(); }}));
  }
  router.add(never_blocks({"GET", "/v1/status/updateavailable", AuthMode::none, "camera",
                           docs::deepstack_update(), [](Context&) { return update_available(); }}));
  for (const char* path : kUnserved) {
    const std::string what = path;
    router.add(never_blocks(
        {"POST", path, AuthMode::none, "camera", docs::deepstack_unserved(), [what](Context& c) {
           DeepstackCall call;
           call.request_id = c.request_id;
           call.command = what.substr(what.rfind('/') + 1);
           return deepstack_failure(
               404,
               fmt::format("ObjectVision serves object detection only: {} is not available; "
                           "use /v1/vision/detection or /v1/vision/custom/{{model}}",
                           what),
               call);
         }}));
  }
}

}  // namespace ov::api
