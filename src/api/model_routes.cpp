// The detection models, and their management by admins (like Triton's repository API):
//   GET    /api/v1/models                       the loaded models (admins: every model on disk)
//   POST   /api/v1/models/{name}/load           load a model of the models directory
//   POST   /api/v1/models/{name}/reload         its newest version, swapped in once warm
//   POST   /api/v1/models/{name}/unload         detections in flight finish on it first
//   PUT    /api/v1/model-aliases/{alias}       {"model": name or "*"}: another name for it
//   DELETE /api/v1/model-aliases/{alias}
// A change is done here, then by every other process (api/model_changes.hpp); it lasts until
// the process stops: MODELS_DIR and MODEL_ALIASES are what a start reads.
#include <spdlog/spdlog.h>
#include <boost/json.hpp>

#include "api/detection_routes.hpp"
#include "api/detection_services.hpp"
#include "api/json_io.hpp"
#include "api/model_changes.hpp"
#include "api/routes.hpp"
#include "inference/engine.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

json::array strings(const std::vector<std::string>& values) {
  json::array out;
  for (const auto& v : values) out.emplace_back(json::string(v));
  return out;
}

json::object loaded_json(const inference::ModelInfo& m) {
  return json::object{{"name", m.name},
                      {"version", m.version},
                      {"state", "loaded"},
                      {"family", inference::to_string(m.family)},
                      {"input_width", m.input_width},
                      {"input_height", m.input_height},
                      {"dynamic_batch", m.dynamic_batch},
                      {"stride", m.stride > 0 ? json::value(m.stride) : json::value(nullptr)},
                      {"is_default", m.is_default},
                      {"labels", strings(m.labels)}};
}

json::object status_json(const inference::ModelStatus& s, bool admin) {
  json::object out;
  if (s.state == inference::ModelState::loaded) {
    out = loaded_json(s.info);
    out["aliases"] = strings(s.aliases);
    out["counters"] = json::object{{"success", s.counters.success},
                                   {"failure", s.counters.failure},
                                   {"inferences", s.counters.inferences},
                                   {"executions", s.counters.executions}};
  } else {
    out = json::object{{"name", s.info.name},
                       {"version", s.info.version},
                       {"state", inference::to_string(s.state)}};
    if (!s.reason.empty()) out["reason"] = s.reason;
  }
  if (admin) out["path"] = s.info.path;
  return out;
}

json::array aliases_json(const inference::Engine& engine) {
  const auto fallback = engine.find_model("");
  json::array out;
  for (const auto& [alias, model] : engine.aliases()) {
    out.emplace_back(json::object{{"alias", alias},
                                  {"model", model.empty() && fallback ? fallback->name : model},
                                  {"follows_default", model.empty()}});
  }
  return out;
}

// A model that cannot be served, or an alias that is not valid, is the request's content at
// fault (422), not its media type; the rest maps as everywhere.
[[noreturn]] void refuse(const Error& e) {
  if (e.code == Errc::unsupported || e.code == Errc::invalid_argument)
    throw ApiError(422, e.message);
  throw_api_error(e);
}

bool is_admin(const http::Context& ctx) {
  return ctx.principal && ctx.principal->user.role == Role::admin;
}

http::Response list(const inference::Engine& engine, const http::Context& ctx) {
  const bool admin = is_admin(ctx);
  json::array models;
  for (const auto& s : engine.model_statuses()) {
    if (admin || s.state == inference::ModelState::loaded) {
      models.emplace_back(status_json(s, admin));
    }
  }
  return json_response(
      200, json::object{{"models", std::move(models)}, {"aliases", aliases_json(engine)}});
}

// Loads, reloads or unloads; the answer is the model's state afterwards.
http::Response manage(ModelChanges& models, const http::Context& ctx, const std::string& action) {
  require_admin(ctx, "manage the models");
  const std::string& name = ctx.params.at("name");
  const std::string& who = ctx.principal->user.email;
  if (action == "unload") {
    if (auto done = models.unload(name); !done) refuse(done.error());
    spdlog::info("models: {} unloaded {}", who, name);
    return json_response(200, json::object{{"name", name}, {"state", "available"}});
  }
  auto info = action == "load" ? models.load(name) : models.reload(name);
  if (!info) {
    spdlog::warn("models: {} could not {} {}: {}", who, action, name, info.error().message);
    refuse(info.error());
  }
  spdlog::info("models: {} {}ed {} (version {})", who, action, name, info->version);
  return json_response(200, loaded_json(*info));
}

http::Response put_alias(ModelChanges& models, const inference::Engine& engine,
                         const http::Context& ctx) {
  require_admin(ctx, "set aliases");
  const std::string& alias = ctx.params.at("alias");
  auto body = parse_json_object(ctx.request);
  Validator v(body);
  auto model = v.string("model", true, 1, 256);
  v.throw_if_failed();
  if (auto done = models.set_alias(alias, *model); !done) refuse(done.error());
  spdlog::info("models: {} set the alias {} -> {}", ctx.principal->user.email, alias, *model);
  const auto target = engine.find_model(alias);
  return json_response(200, json::object{{"alias", alias},
                                         {"model", target ? target->name : *model},
                                         {"follows_default", *model == "*"}});
}

http::Response delete_alias(ModelChanges& models, const http::Context& ctx) {
  require_admin(ctx, "remove aliases");
  const std::string& alias = ctx.params.at("alias");
  if (auto done = models.remove_alias(alias); !done) refuse(done.error());
  spdlog::info("models: {} removed the alias {}", ctx.principal->user.email, alias);
  return http::Response::empty(204);
}

constexpr const char* kAdminErrors =
    R"("401":{"description":"Not authenticated"},"403":{"description":"Not an admin"},)"
    R"("404":{"description":"No such model or alias"},)";

std::string manage_doc_responses() {
  return std::string(
             R"({"200":{"description":"The model's state afterwards","content":{"application/json":{"schema":{"type":"object"}}}},)") +
         kAdminErrors +
         R"("409":{"description":"Loaded already; or the default model, or one an alias names, to unload"},)"
         R"("422":{"description":"The model cannot be served; the reason says why: not ONNX, not a detection model..."
},)"
         R"("503":{"description":"Not enough memory, or the model failed to open"}})";
}

}  // namespace

void register_model_routes(http::Router& router, DetectionServices& ds) {
  const inference::Engine& engine = ds.engine;
  ModelChanges& models = ds.models;
  router.add(
      {"GET",
       "/api/v1/models",
       http::AuthMode::bearer,
       "",
       {"The loaded models: family, input size, labels, aliases and counters (admins: every "
        "model of the models directory, with its state and the reason of a failed load)",
        "detection", "",
        R"({"200":{"description":"The models and aliases","content":{"application/json":{"schema":{"type":"object","properties":{"models":{"type":"array","items":{"type":"object"}},"aliases":{"type":"array","items":{"type":"object"}}}}}}},)"
        R"("401":{"description":"Not authenticated"}})"},
       [&engine](http::Context& c) { return list(engine, c); }});
  for (const char* action : {"load", "reload", "unload"}) {
    const std::string what = action;
    const char* summary =
        what == "load"     ? "Load a model of the models directory, without a restart (admins)"
        : what == "reload" ? "Load the newest version of a loaded model and swap it in once "
                             "warmed up; detections in flight finish on the old (admins)"
                           : "Unload a model; detections in flight finish on it (admins)";
    router.add({"POST",
                "/api/v1/models/{name}/" + what,
                http::AuthMode::bearer,
                "",
                {summary, "detection", "", manage_doc_responses()},
                [&models, what](http::Context& c) { return manage(models, c, what); }});
  }
  router.add(
      {"PUT",
       "/api/v1/model-aliases/{alias}",
       http::AuthMode::bearer,
       "",
       {"Point an alias (e.g. ipcam-general) at a loaded model, or at the default model with "
        "\"*\" (admins)",
        "detection",
        R"({"required":true,"content":{"application/json":{"schema":{"type":"object","required":["model"],"properties":{"model":{"type":"string"}}}}}})",
        std::string(
            R"({"200":{"description":"The alias","content":{"application/json":{"schema":{"type":"object"}}}},)") +
            kAdminErrors + R"("422":{"description":"Not a name, or the name of a loaded model"}})"},
       [&models, &engine](http::Context& c) { return put_alias(models, engine, c); }});
  router.add({"DELETE",
              "/api/v1/model-aliases/{alias}",
              http::AuthMode::bearer,
              "",
              {"Remove an alias (admins)", "detection", "",
               std::string(R"({"204":{"description":"Removed"},)") + kAdminErrors +
                   R"("422":{"description":"Invalid"}})"},
              [&models](http::Context& c) { return delete_alias(models, c); }});
}

}  // namespace ov::api
