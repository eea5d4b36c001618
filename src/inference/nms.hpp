#pragma once
// Candidate boxes and non-maximum suppression.
#include <cstddef>
#include <vector>

#include "inference/types.hpp"

namespace ov::inference {

struct Candidate {
  BBox box;
  float score = 0;
  int class_id = 0;
};

float iou(const BBox& a, const BBox& b);

// Greedy NMS, highest score first: per class, or over all classes when `agnostic`.
// Returns at most `max_det` boxes, sorted by score (ties keep their input order).
std::vector<Candidate> nms(std::vector<Candidate> candidates, float iou_threshold, bool agnostic,
                           std::size_t max_det);

}  // namespace ov::inference
