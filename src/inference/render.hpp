#pragma once
// Output formats of detection results, shared by the CLI and the HTTP API.
#include <span>
#include <string>
#include <vector>

#include "inference/types.hpp"

namespace ov::inference {

struct ImageDetections {
  std::string image;  // a path or an upload's file name
  DetectionResult result;
};

enum class OutputFormat { json, coco, deepstack };

// `json`: [{"image", "width", "height", "model", "inference_ms", "detections": [{"class",
// "class_id", "confidence", "bbox": {x1, y1, x2, y2, width, height}, "bbox_normalized"}]}]
std::string render(std::span<const ImageDetections> images, OutputFormat format);
// One element of the `json` array, as a JSON text.
std::string render_json_object(const ImageDetections& image);
// DeepStack / CodeProject.AI body for one image: {"success", "predictions", "count", ...}.
std::string render_deepstack(const DetectionResult& result);
// `objectvision models`: [{"name", "version", "family", "input_size": [w, h], "dynamic_batch",
// "default", "path", "labels": [...]}].
std::string render_models(std::span<const ModelInfo> models);

}  // namespace ov::inference
