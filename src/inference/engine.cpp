#include "inference/engine.hpp"

#include <fmt/format.h>

#include <exception>
#include <new>

#include "inference/model.hpp"
#include "inference/model_repository.hpp"
#include "inference/pipeline.hpp"
#include "obs/trace.hpp"

namespace ov::inference {

struct Engine::Impl {
  EngineSettings settings;
  std::shared_ptr<Runtime> runtime;
  std::vector<std::unique_ptr<Model>> models;
  std::vector<ModelInfo> infos;
  std::size_t default_index = 0;

  const Model* find(const std::string& name) const {
    if (name.empty()) return models[default_index].get();
    for (const auto& m : models) {
      if (m->info().name == name) return m.get();
    }
    return nullptr;
  }
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::load(const EngineSettings& settings) {
  auto entries = discover_models(settings);
  if (!entries) return entries.error();
  auto runtime = Runtime::create();
  if (!runtime) return runtime.error();
  auto impl = std::make_unique<Impl>();
  impl->settings = settings;
  impl->runtime = runtime.value();
  for (const auto& entry : entries.value()) {
    auto model = Model::load(impl->runtime, entry, settings);
    if (!model) return model.error();
    impl->models.push_back(std::move(model.value()));
  }
  if (!settings.default_model.empty() && settings.model_path.empty()) {
    bool found = false;
    for (std::size_t i = 0; i < impl->models.size(); ++i) {
      if (impl->models[i]->info().name == settings.default_model) {
        impl->default_index = i;
        found = true;
      }
    }
    if (!found) {
      return Error{Errc::unavailable, fmt::format("the default model '{}' is not in '{}'",
                                                  settings.default_model, settings.models_dir)};
    }
  }
  for (std::size_t i = 0; i < impl->models.size(); ++i) {
    impl->infos.push_back(impl->models[i]->info());
    impl->infos.back().is_default = i == impl->default_index;
  }
  return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

std::vector<ModelInfo> Engine::models() const {
  return impl_->infos;
}

const ModelInfo* Engine::find_model(const std::string& name) const {
  const Model* m = impl_->find(name);
  if (m == nullptr) return nullptr;
  for (const auto& info : impl_->infos) {
    if (info.name == m->info().name) return &info;
  }
  return nullptr;
}

const EngineSettings& Engine::settings() const {
  return impl_->settings;
}

Result<DetectionResult> Engine::detect(std::span<const std::uint8_t> encoded_image,
                                       const DetectOptions& options) const {
  const Model* model = impl_->find(options.model);
  if (model == nullptr) {
    std::string names;
    for (const auto& info : impl_->infos) names += (names.empty() ? "" : ", ") + info.name;
    return Error{Errc::not_found,
                 fmt::format("unknown model '{}' (available: {})", options.model, names)};
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
