#pragma once
// A detection's stored parameters (the upload's form fields, validated) and the engine
// options they mean. Stored as JSON in detections.params.
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inference/types.hpp"

namespace ov::worker {

struct JobParams {
  std::optional<double> confidence;
  std::optional<double> iou;
  std::vector<std::string> classes;
  std::optional<int> max_detections;
  std::string model;
  bool annotate = true;
  int tile_width = 0, tile_height = 0;
  double tile_overlap = 0.2;
};

std::string to_json(const JobParams& params);
Result<JobParams> params_from_json(const std::string& json);
inference::DetectOptions detect_options(const JobParams& params);

}  // namespace ov::worker
