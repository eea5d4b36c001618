// The engine's model management: load, reload, unload, aliases, and what each model is doing.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "inference/engine.hpp"
#include "inference/engine_impl.hpp"
#include "inference/model_repository.hpp"

namespace ov::inference {

namespace {

// The model `name` of the models directory (its newest version), or why there is none.
Result<ModelEntry> entry_on_disk(const EngineSettings& settings, const std::string& name) {
  auto entries = discover_models(settings);
  if (!entries) return entries.error();
  for (auto& e : entries.value()) {
    if (e.name == name) return std::move(e);
  }
  return Error{Errc::not_found,
               settings.model_path.empty()
                   ? fmt::format("no model '{}' in '{}' (expected {}/<version>/model.onnx)", name,
                                 settings.models_dir, name)
                   : fmt::format("no model '{}': MODEL_PATH serves one model ({})", name,
                                 settings.model_path)};
}

ModelCounters counters_of(const Model& model) {
  const ModelMetrics& m = model.metrics();
  if (m.success == nullptr) return {};
  return ModelCounters{m.success->value(), m.failure->value(), m.inferences->value(),
                       m.executions->value()};
}

}  // namespace

Result<ModelInfo> Engine::load_model(const std::string& name) {
  std::lock_guard manage(impl_->manage_mutex);
  if (impl_->snapshot()->find_exact(name) != nullptr) {
    return Error{Errc::conflict, fmt::format("model '{}' is loaded already (reload it to read "
                                             "its newest version)",
                                             name)};
  }
  auto entry = entry_on_disk(impl_->settings, name);
  if (!entry) return entry.error();
  auto model = open_model(impl_->runtime, entry.value(), impl_->settings);
  impl_->remember_load(name, model ? nullptr : &model.error());
  if (!model) return model.error();
  auto next = std::make_shared<ModelCatalog>(*impl_->snapshot());
  next->put(std::move(model.value()));
  ModelInfo info = *next->find_exact(name)->info;
  impl_->publish(std::move(next));
  return info;
}

Result<ModelInfo> Engine::reload_model(const std::string& name) {
  std::lock_guard manage(impl_->manage_mutex);
  if (impl_->snapshot()->find_exact(name) == nullptr) {
    return Error{Errc::not_found, fmt::format("model '{}' is not loaded (load it instead)", name)};
  }
  auto entry = entry_on_disk(impl_->settings, name);
  if (!entry) return entry.error();
  // The new copy opens and warms up beside the old one, which serves until the swap.
  auto model = open_model(impl_->runtime, entry.value(), impl_->settings);
  impl_->remember_load(name, model ? nullptr : &model.error());
  if (!model) {
    return Error{model.error().code, model.error().message + " (the loaded version keeps serving)"};
  }
  auto next = std::make_shared<ModelCatalog>(*impl_->snapshot());
  next->put(std::move(model.value()));
  ModelInfo info = *next->find_exact(name)->info;
  impl_->publish(std::move(next));
  return info;
}

Result<void> Engine::unload_model(const std::string& name) {
  std::lock_guard manage(impl_->manage_mutex);
  auto current = impl_->snapshot();
  if (current->find_exact(name) == nullptr) {
    return Error{Errc::not_found,
                 fmt::format("model '{}' is not loaded (loaded: {})", name, current->names())};
  }
  if (name == current->default_name) {
    return Error{Errc::conflict,
                 fmt::format("model '{}' is the default model: it cannot be unloaded", name)};
  }
  if (auto aliases = current->aliases_of(name); !aliases.empty()) {
    return Error{Errc::conflict,
                 fmt::format("model '{}' is named by the alias{} {}: remove or "
                             "move {} first",
                             name, aliases.size() > 1 ? "es" : "", fmt::join(aliases, ", "),
                             aliases.size() > 1 ? "them" : "it")};
  }
  auto next = std::make_shared<ModelCatalog>(*current);
  next->remove(name);
  current.reset();
  impl_->publish(std::move(next));
  return {};
}

Result<void> Engine::set_alias(const std::string& alias, const std::string& model) {
  std::lock_guard manage(impl_->manage_mutex);
  auto next = std::make_shared<ModelCatalog>(*impl_->snapshot());
  if (auto problem = alias_problem(*next, alias, model); !problem.empty()) {
    const bool missing = !model.empty() && model != "*" && next->find_exact(model) == nullptr &&
                         next->find_exact(alias) == nullptr;
    return Error{missing ? Errc::not_found : Errc::invalid_argument, problem};
  }
  const std::string target = model == "*" ? std::string() : model;
  auto at = std::find_if(next->aliases.begin(), next->aliases.end(),
                         [&](const auto& a) { return a.first == alias; });
  if (at != next->aliases.end()) {
    at->second = target;
  } else {
    next->aliases.emplace_back(alias, target);
  }
  impl_->publish(std::move(next));
  return {};
}

Result<void> Engine::remove_alias(const std::string& alias) {
  std::lock_guard manage(impl_->manage_mutex);
  auto next = std::make_shared<ModelCatalog>(*impl_->snapshot());
  if (std::erase_if(next->aliases, [&](const auto& a) { return a.first == alias; }) == 0) {
    return Error{Errc::not_found, fmt::format("no alias '{}'", alias)};
  }
  impl_->publish(std::move(next));
  return {};
}

std::vector<std::pair<std::string, std::string>> Engine::aliases() const {
  return impl_->snapshot()->aliases;
}

std::vector<ModelStatus> Engine::model_statuses() const {
  auto catalog = impl_->snapshot();
  std::vector<ModelStatus> out;
  for (const auto& m : catalog->models) {
    out.push_back(ModelStatus{*m.info, ModelState::loaded, "", catalog->aliases_of(m.info->name),
                              counters_of(*m.model)});
  }
  std::map<std::string, std::string> refused;
  {
    std::lock_guard lock(impl_->refused_mutex);  // not manage_mutex: a load takes seconds
    refused = impl_->refused;
  }
  auto entries = discover_models(impl_->settings);
  if (!entries) return out;
  for (const auto& e : entries.value()) {
    if (catalog->find_exact(e.name) != nullptr) continue;
    ModelStatus status;
    status.info.name = e.name;
    status.info.version = e.version;
    status.info.path = e.path;
    if (auto it = refused.find(e.name); it != refused.end()) {
      status.state = ModelState::failed;
      status.reason = it->second;
    }
    out.push_back(std::move(status));
  }
  return out;
}

}  // namespace ov::inference
