#pragma once
// The bounds of detection options, in one place. The upload checks a job's parameters with
// check_options (a 422 naming the field) before anything is stored, and the engine refuses
// the same options with the same words (a stored job, the command line): one set of bounds.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inference/types.hpp"

namespace ov::inference {

inline constexpr int kMaxDetectionsLimit = 1000;  // max_detections: 1 to this
inline constexpr int kMinTileSide = 32;           // tile: both sides from this...
inline constexpr int kMaxTileSide = 8192;         // ...to this
inline constexpr float kMaxTileOverlap = 0.9f;    // tile_overlap: 0 to this

struct OptionProblem {
  std::string field;  // the form field: confidence, iou, max_detections, classes, tile, ...
  std::string message;
};

// The first problem of `options` for a model with these labels, or nullopt. Classes are
// labels (any case) or numeric class ids.
std::optional<OptionProblem> check_options(const DetectOptions& options,
                                           const std::vector<std::string>& labels);

// Options -> per-class allow list (empty: every class); unknown classes are an error.
Result<std::vector<std::uint8_t>> class_filter(const std::vector<std::string>& labels,
                                               const std::vector<std::string>& wanted);

}  // namespace ov::inference
