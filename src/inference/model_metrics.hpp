#pragma once
// Internal to ov_inference: a model's metrics, named the way Triton's operators scrape them
// (request, queue and compute durations; inference and execution counts; successes and
// failures), labelled by model name. Children are found once per model.
#include <string>

#include "obs/metrics.hpp"

namespace ov::inference {

struct ModelMetrics {
  obs::Histogram* request = nullptr;     // one image: probe to postprocess (annotation too)
  obs::Histogram* queue = nullptr;       // an image waiting for its batch to run
  obs::Histogram* compute = nullptr;     // one session run
  obs::Histogram* batch_size = nullptr;  // images per session run
  obs::Counter* success = nullptr;       // images detected
  obs::Counter* failure = nullptr;       // images that failed (bad input included)
  obs::Counter* inferences = nullptr;    // images through the session
  obs::Counter* executions = nullptr;    // session runs

  static ModelMetrics of(const std::string& model);
};

}  // namespace ov::inference
