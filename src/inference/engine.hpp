#pragma once
// The detection engine: loads and warms up every model at start, then detects objects in
// encoded images from any number of threads. Hides ONNX Runtime and OpenCV.
#include <cstdint>
#include <memory>
#include <span>
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

  std::vector<ModelInfo> models() const;
  const ModelInfo* find_model(const std::string& name) const;  // empty name = default
  const EngineSettings& settings() const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ov::inference
