#include "inference/nms.hpp"

#include <algorithm>
#include <numeric>

namespace ov::inference {

float iou(const BBox& a, const BBox& b) {
  const float iw = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  const float ih = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  if (iw <= 0 || ih <= 0) return 0.0f;
  const float inter = iw * ih;
  const float area_a = std::max(0.0f, a.width()) * std::max(0.0f, a.height());
  const float area_b = std::max(0.0f, b.width()) * std::max(0.0f, b.height());
  const float uni = area_a + area_b - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<Candidate> nms(std::vector<Candidate> candidates, float iou_threshold, bool agnostic,
                           std::size_t max_det) {
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::vector<Candidate> kept;
  std::vector<bool> removed(candidates.size(), false);
  for (std::size_t i = 0; i < candidates.size() && kept.size() < max_det; ++i) {
    if (removed[i]) continue;
    const Candidate& c = candidates[i];
    kept.push_back(c);
    for (std::size_t j = i + 1; j < candidates.size(); ++j) {
      if (removed[j]) continue;
      if (!agnostic && candidates[j].class_id != c.class_id) continue;
      if (iou(c.box, candidates[j].box) > iou_threshold) removed[j] = true;
    }
  }
  return kept;
}

}  // namespace ov::inference
