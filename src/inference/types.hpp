#pragma once
// Plain values that flow out of the detection engine; no heavy headers.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace ov::inference {

enum class Family { yolov8, yolov5, nanodet };
const char* to_string(Family family);

struct BBox {
  float x1 = 0, y1 = 0, x2 = 0, y2 = 0;
  float width() const { return x2 - x1; }
  float height() const { return y2 - y1; }
};

struct DetectedObject {
  int class_id = 0;
  std::string label;
  float confidence = 0;
  BBox box;         // pixels of the (EXIF-oriented) original image, clipped to it
  BBox normalized;  // the same box divided by the image width and height (0..1)
};

enum class ImageFormat { jpeg, png, webp };
std::optional<ImageFormat> image_format_from_string(const std::string& name);
const char* to_string(ImageFormat format);
const char* mime_type(ImageFormat format);

struct TileOptions {
  int width = 0, height = 0;       // 0 = no tiling
  float overlap = 0.2f;            // fraction of the tile shared with its neighbour, 0..0.9
  bool include_full_image = true;  // also run on the whole image (SAHI's standard prediction)
};

struct DetectOptions {
  std::string model;                  // empty = the default model
  std::optional<float> confidence;    // default: EngineSettings::confidence
  std::optional<float> iou;           // default: EngineSettings::iou
  std::optional<int> max_detections;  // default: EngineSettings::max_detections
  std::vector<std::string> classes;   // keep only these labels (or numeric ids)
  bool class_agnostic_nms = false;    // one NMS over all classes
  TileOptions tile;
  std::optional<ImageFormat> annotate;  // also draw the boxes and encode the image
  int annotate_quality = 90;            // JPEG / WebP quality
  // The job's time limit: checked before decoding and between tile batches; once it has
  // passed, detect() stops with Errc::timeout.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Asked where the deadline is checked: true stops detect() with Errc::conflict (the job was
  // cancelled, or another worker has it now).
  std::function<bool()> stop;
};

struct DetectionResult {
  std::string model;
  int width = 0, height = 0;               // of the oriented image
  double inference_ms = 0;                 // session runs only
  double total_ms = 0;                     // decode to postprocess
  std::vector<DetectedObject> detections;  // by confidence, highest first
  std::vector<std::uint8_t> annotated;     // when DetectOptions::annotate was set
};

struct ModelInfo {
  std::string name;
  std::string version;
  std::string path;
  Family family = Family::yolov8;
  int input_width = 0, input_height = 0;
  bool dynamic_batch = false;
  bool is_default = false;
  std::vector<std::string> labels;
  int stride = 0;  // YOLO: the largest stride the export declares (0: not declared)
};

// Where a model of the models directory stands: serving, on disk only, or refused at its last
// load (the reason says why).
enum class ModelState { loaded, available, failed };
const char* to_string(ModelState state);

// What a model has done since the process started (reloads keep counting).
struct ModelCounters {
  double success = 0, failure = 0;        // images detected / failed
  double inferences = 0, executions = 0;  // images and tiles run / session runs
};

struct ModelStatus {
  ModelInfo info;  // name, version and path always; the rest once loaded
  ModelState state = ModelState::available;
  std::string reason;                // failed: why
  std::vector<std::string> aliases;  // the names that lead to it
  ModelCounters counters;
};

}  // namespace ov::inference
