#pragma once
// Finds the models to load: MODEL_PATH (one .onnx file) or models/<name>/<version>/model.onnx
// (the highest numeric version of each name; models/<name>.onnx also works), with an optional
// config.json in the version folder or the name folder (or <stem>.json beside a single file).
#include <string>
#include <vector>

#include "core/error.hpp"
#include "inference/settings.hpp"

namespace ov::inference {

struct ModelEntry {
  std::string name;
  std::string version;
  std::string path;         // the .onnx file
  std::string config_path;  // empty when there is none
};

Result<std::vector<ModelEntry>> discover_models(const EngineSettings& settings);

}  // namespace ov::inference
