#pragma once
// A job's parameters: the upload's form fields, checked once at the edge against one set of
// bounds (inference/options.hpp) and the models loaded, stored as JSON with the job, and
// turned into the engine's options by the worker.
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inference/types.hpp"

namespace ov::inference {
class Engine;
}

namespace ov::jobs {

struct JobParams {
  std::optional<double> confidence;
  std::optional<double> iou;
  std::vector<std::string> classes;
  std::optional<int> max_detections;
  std::string model;  // empty: the default model
  bool annotate = true;
  int tile_width = 0, tile_height = 0;
  double tile_overlap = 0.2;
  // The job-finished mail (when the user's `notifications` setting is on). Off for a job whose
  // client waited for it (`?wait=true`): the answer went to the client.
  bool notify = true;
};

struct ParamProblem {
  std::string field;  // the form field
  std::string message;
};

// The one check of a job's parameters: bounds, a model that is loaded, classes that model
// knows. Empty when they are fine.
std::vector<ParamProblem> check_params(const JobParams& params, const inference::Engine& engine);

std::string to_json(const JobParams& params);
Result<JobParams> params_from_json(const std::string& json);
inference::DetectOptions detect_options(const JobParams& params);
// The annotated image's file extension for an upload of `content_type` ("" without
// `annotate`): PNG stays lossless ("png"), WebP stays WebP ("webp"), the rest is JPEG ("jpg").
std::string annotated_extension(const JobParams& params, const std::string& content_type);

}  // namespace ov::jobs
