#pragma once
// decode -> (tiles) -> preprocess -> infer -> decode outputs -> map back -> NMS -> annotate.
#include <cstdint>
#include <span>

#include "core/error.hpp"
#include "inference/model.hpp"
#include "inference/settings.hpp"
#include "inference/types.hpp"

namespace ov::inference {

Result<DetectionResult> run_pipeline(const Model& model, const EngineSettings& settings,
                                     std::span<const std::uint8_t> encoded,
                                     const DetectOptions& options);

// Runs a synthetic JPEG of the model's input size through the whole pipeline, so
// that the first detections after a start or a load run as fast as the rest: cold, NanoDet-m
// took 115 ms, then 35, then 22 here (the decoder's and OpenCV's set-up, ONNX Runtime's first
// runs), and queued cameras' frames behind the first.
// settings.warm_up_runs times (none when 0 or when warm_up is off).
Result<void> warm_up_pipeline(const Model& model, const EngineSettings& settings);

}  // namespace ov::inference
