#include "inference/engine.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <new>

#include "inference/engine_impl.hpp"
#include "inference/model_repository.hpp"
#include "inference/pipeline.hpp"
#include "obs/trace.hpp"

namespace ov::inference {

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

std::shared_ptr<const ModelCatalog> Engine::Impl::snapshot() const {
  std::lock_guard lock(catalog_mutex);
  return catalog;
}

void Engine::Impl::publish(std::shared_ptr<const ModelCatalog> next) {
  std::lock_guard lock(catalog_mutex);
  catalog.swap(next);
  // `next` (the old catalog) is released outside the lock: a model it was the last owner of
  // closes here, unless a detection still holds it.
}

Result<std::unique_ptr<Model>> open_model(const std::shared_ptr<Runtime>& runtime,
                                          const ModelEntry& entry, const EngineSettings& settings) {
  auto model = Model::load(runtime, entry, settings);
  if (!model) return model.error();
  if (settings.warm_up) {
    if (auto warm = warm_up_pipeline(*model.value(), settings); !warm) {
      return Error{warm.error().code, fmt::format("model '{}' ({}): {}", entry.name, entry.path,
                                                  warm.error().message)};
    }
  }
  model.value()->start_counting();
  return model;
}

void Engine::Impl::remember_load(const std::string& name, const Error* failure) {
  std::lock_guard lock(refused_mutex);
  if (failure == nullptr) {
    refused.erase(name);
  } else {
    refused[name] = failure->message;
  }
}

Result<std::unique_ptr<Engine>> Engine::load(const EngineSettings& settings) {
  auto entries = discover_models(settings);
  if (!entries) return entries.error();
  auto runtime = Runtime::create(settings.intra_threads);
  if (!runtime) return runtime.error();
  auto impl = std::make_unique<Impl>();
  impl->settings = settings;
  impl->runtime = runtime.value();
  auto catalog = std::make_shared<ModelCatalog>();
  std::vector<std::shared_ptr<const Model>> models;
  for (const auto& entry : entries.value()) {
    auto model = open_model(impl->runtime, entry, settings);
    if (!model) return model.error();
    models.push_back(std::move(model.value()));
  }
  catalog->default_name = models.front()->info().name;
  if (!settings.default_model.empty() && settings.model_path.empty()) {
    const bool found = std::any_of(models.begin(), models.end(), [&](const auto& m) {
      return m->info().name == settings.default_model;
    });
    if (!found) {
      return Error{Errc::unavailable, fmt::format("the default model '{}' is not in '{}'",
                                                  settings.default_model, settings.models_dir)};
    }
    catalog->default_name = settings.default_model;
  }
  for (auto& m : models) catalog->put(std::move(m));
  for (const auto& [alias, model] : settings.aliases) {
    if (auto problem = alias_problem(*catalog, alias, model); !problem.empty()) {
      return Error{Errc::invalid_argument, "MODEL_ALIASES: " + problem};
    }
    catalog->aliases.emplace_back(alias, model == "*" ? std::string() : model);
  }
  impl->catalog = std::move(catalog);
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Result<void> Engine::warm_up_this_thread() const {
  if (!impl_->settings.warm_up) return {};
  auto catalog = impl_->snapshot();
  const LoadedModel* model = catalog->find("");
  if (model == nullptr) return {};
  return warm_up_pipeline(*model->model, impl_->settings);
}

std::vector<ModelInfo> Engine::models() const {
  auto catalog = impl_->snapshot();
  std::vector<ModelInfo> out;
  for (const auto& m : catalog->models) out.push_back(*m.info);
  return out;
}

std::shared_ptr<const ModelInfo> Engine::find_model(const std::string& name) const {
  auto catalog = impl_->snapshot();
  const LoadedModel* m = catalog->find(name);
  return m == nullptr ? nullptr : m->info;
}

const EngineSettings& Engine::settings() const {
  return impl_->settings;
}

Result<DetectionResult> Engine::detect(std::span<const std::uint8_t> encoded_image,
                                       const DetectOptions& options) const {
  // The model stays open until this detection ends, whatever management does meanwhile.
  std::shared_ptr<const Model> model;
  {
    auto catalog = impl_->snapshot();
    const LoadedModel* loaded = catalog->find(options.model);
    if (loaded == nullptr) {
      return Error{Errc::not_found, fmt::format("unknown model '{}' (available: {})", options.model,
                                                catalog->names())};
    }
    model = loaded->model;
  }
  // run_pipeline turns allocation failures into errors naming its stage; this is the net
  // under it: no exception leaves the engine, a failure fails this image only.
  obs::ScopedSpan span("detect");
  span->set("objectvision.model", model->info().name);
  const auto started = std::chrono::steady_clock::now();
  auto result = [&]() -> Result<DetectionResult> {
    try {
      return run_pipeline(*model, impl_->settings, encoded_image, options);
    } catch (const std::bad_alloc&) {
      return Error{Errc::unavailable, "out of memory while detecting objects"};
    } catch (const std::exception& e) {
      return Error{Errc::internal, fmt::format("detection failed: {}", e.what())};
    }
  }();
  const ModelMetrics& metrics = model->metrics();
  if (metrics.request != nullptr) {
    metrics.request->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    (result ? metrics.success : metrics.failure)->add();
  }
  if (result) {
    span->set("objectvision.detections",
              static_cast<std::int64_t>(result.value().detections.size()));
  } else {
    span->fail(result.error().message);
  }
  return result;
}

}  // namespace ov::inference
