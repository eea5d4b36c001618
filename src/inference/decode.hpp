#pragma once
// Raw model outputs -> candidate boxes in model-input pixels, per family.
#include <cstdint>
#include <span>
#include <vector>

#include "inference/nms.hpp"

namespace ov::inference {

struct DecodeParams {
  float confidence = 0.25f;
  std::span<const std::uint8_t> allowed;  // per class id; empty = every class
};

// YOLOv8 / YOLO11: one image's [4 + nc, n] (cx, cy, w, h, class scores), no objectness.
std::vector<Candidate> decode_yolov8(const float* data, std::int64_t channels, std::int64_t n,
                                     const DecodeParams& params);
// YOLOv5: one image's [n, 5 + nc] (cx, cy, w, h, objectness, class scores).
std::vector<Candidate> decode_yolov5(const float* data, std::int64_t n, std::int64_t row,
                                     const DecodeParams& params);

// NanoDet (GFL): one level of one image: scores [cells, nc] (sigmoided) and distributions
// [cells, 4 * (reg_max + 1)] (left, top, right, bottom), cells row-major over grid_w.
struct NanoDetLevel {
  const float* scores = nullptr;
  const float* distances = nullptr;
  std::int64_t cells = 0;
  int grid_w = 0;
  int stride = 0;
};
void decode_nanodet(const NanoDetLevel& level, int num_classes, int reg_max,
                    const DecodeParams& params, std::vector<Candidate>& out);

}  // namespace ov::inference
