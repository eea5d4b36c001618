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

}  // namespace ov::inference
