#pragma once
// The detection engine: loads and warms up every model at start, then detects objects in
// encoded images from any number of threads. Hides ONNX Runtime and OpenCV. Models can be
// loaded, reloaded and unloaded and aliases set while detections run: each detection keeps the
// model it started with until it ends.
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "inference/settings.hpp"
#include "inference/types.hpp"

namespace ov::inference {

class Engine {
 public:
  // Loads MODEL_PATH or every model of models_dir; fails with a message saying why.
  static Result<std::unique_ptr<Engine>> load(const EngineSettings& settings);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Thread-safe. Errors: invalid_argument (not decodable, bad options, too many tiles),
  // unsupported (not an image format we read), too_large (pixel limit), not_found (unknown
  // model), timeout (options.deadline passed), unavailable (out of memory, or not enough memory
  // left for this image). Never throws.
  Result<DetectionResult> detect(std::span<const std::uint8_t> encoded_image,
                                 const DetectOptions& options) const;

  // Runs the default model's pipeline a few times on the calling thread: a thread's first
  // detections are slow (measured: 55, 35, 25, then 20 ms on NanoDet-m), so threads that run
  // detections for waiting requests call it before their first. Nothing when warm-up is off.
  Result<void> warm_up_this_thread() const;

  std::vector<ModelInfo> models() const;  // the loaded ones, by name
  // A loaded model by name or alias (empty name = the default); null when there is none.
  std::shared_ptr<const ModelInfo> find_model(const std::string& name) const;
  const EngineSettings& settings() const;

  // ---- management at run time (admins) ----
  // Serialised with each other; slow (a load opens and warms up a model) but detections run
  // meanwhile. Errors: not_found (no such model on disk / loaded / alias), conflict (already
  // loaded; the default model or one an alias names cannot be unloaded), invalid_argument (an
  // alias that is a model's name, or not a name), and the model's own refusal (not an ONNX
  // model, not a detection model...) which is also remembered as its state.
  Result<ModelInfo> load_model(const std::string& name);
  Result<ModelInfo> reload_model(const std::string& name);  // the newest version, swapped in
  Result<void> unload_model(const std::string& name);
  Result<void> set_alias(const std::string& alias, const std::string& model);  // "" = default
  Result<void> remove_alias(const std::string& alias);
  std::vector<std::pair<std::string, std::string>> aliases() const;  // alias, model ("" default)
  // Every model: the loaded ones, then those on disk that are not (reads the models directory).
  std::vector<ModelStatus> model_statuses() const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ov::inference
