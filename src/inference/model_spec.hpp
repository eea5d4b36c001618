#pragma once
// What the engine needs to know to serve a model, found from its configuration, its ONNX
// metadata and its input / output shapes. A model that cannot be served is refused here.
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inference/preprocess.hpp"
#include "inference/session.hpp"
#include "inference/types.hpp"

namespace ov::inference {

struct NanoDetOutput {
  int scores = 0, distances = 0;  // output indexes
  int stride = 0, grid_w = 0;
  long cells = 0;
};

struct ModelSpec {
  Family family = Family::yolov8;
  int input_w = 640, input_h = 640;
  bool dynamic_batch = false;
  Normalization norm;
  std::vector<std::string> labels;
  int output = 0;                     // YOLO: the detection output
  int reg_max = 7;                    // NanoDet
  int stride = 0;                     // YOLO: the largest stride (Ultralytics `stride`), 0 unknown
  std::vector<NanoDetOutput> levels;  // NanoDet
};

// `config_json`: the text of the model's config.json, or empty. Keys (all optional): family,
// imgsz, names, stride, color (rgb|bgr), mean, std, pad_value, strides, reg_max. They override the
// ONNX metadata (our converter's keys, or Ultralytics' names / imgsz / stride / task).
Result<ModelSpec> inspect_model(const Session& session, const std::string& config_json);

// Ultralytics' `names` metadata: a Python dict literal, {0: 'person', 1: 'bicycle', ...}.
std::vector<std::string> parse_python_names(const std::string& text);

}  // namespace ov::inference
