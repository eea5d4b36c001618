#pragma once
// Internal to ov_inference: what an Engine holds (engine.cpp detects, engine_models.cpp manages).
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "inference/engine.hpp"
#include "inference/model_catalog.hpp"
#include "inference/model_repository.hpp"
#include "inference/session.hpp"

namespace ov::inference {

// Model::load, then the warm-up through the whole pipeline (settings.warm_up_runs); its
// metrics count from then on.
Result<std::unique_ptr<Model>> open_model(const std::shared_ptr<Runtime>& runtime,
                                          const ModelEntry& entry, const EngineSettings& settings);

struct Engine::Impl {
  EngineSettings settings;
  std::shared_ptr<Runtime> runtime;

  std::shared_ptr<const ModelCatalog> snapshot() const;
  void publish(std::shared_ptr<const ModelCatalog> next);

  mutable std::mutex catalog_mutex;  // guards `catalog` (the pointer; the catalog is immutable)
  std::shared_ptr<const ModelCatalog> catalog;

  std::mutex manage_mutex;  // one management call at a time

  void remember_load(const std::string& name, const Error* failure);  // null: it loaded
  std::mutex refused_mutex;
  std::map<std::string, std::string> refused;  // model name -> why its last load failed
};

}  // namespace ov::inference
