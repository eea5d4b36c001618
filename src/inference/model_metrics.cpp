#include "inference/model_metrics.hpp"

namespace ov::inference {

ModelMetrics ModelMetrics::of(const std::string& model) {
  auto& m = obs::metrics();
  const std::vector<std::string> by_model{"model"};
  auto histogram = [&](const char* name, const char* help) {
    return &m.histogram(name, help, by_model, obs::latency_buckets()).with({model});
  };
  auto counter = [&](const char* name, const char* help) {
    return &m.counter(name, help, by_model).with({model});
  };
  static const std::vector<double> batch_bounds{1, 2, 4, 8, 16, 32, 64};
  return ModelMetrics{
      histogram("objectvision_inference_request_duration_seconds",
                "Time to detect objects in one image: decode, inference, postprocess."),
      histogram("objectvision_inference_queue_duration_seconds",
                "Time an image waited for its batch to start running."),
      histogram("objectvision_inference_compute_duration_seconds",
                "Time of one run of the model (a batch of images or tiles)."),
      &m.histogram("objectvision_inference_batch_size", "Images or tiles per run of the model.",
                   by_model, batch_bounds)
           .with({model}),
      counter("objectvision_inference_request_success_total",
              "Images in which objects were detected without error."),
      counter("objectvision_inference_request_failure_total",
              "Images whose detection failed (undecodable or too large ones included)."),
      counter("objectvision_inference_count_total", "Images and tiles run through the model."),
      counter("objectvision_inference_exec_count_total", "Runs of the model."),
  };
}

}  // namespace ov::inference
