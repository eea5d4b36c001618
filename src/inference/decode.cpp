#include "inference/decode.hpp"

#include <algorithm>
#include <cmath>

namespace ov::inference {
namespace {

bool allowed(const DecodeParams& p, int class_id) {
  return p.allowed.empty() ||
         (class_id < static_cast<int>(p.allowed.size()) && p.allowed[class_id]);
}

Candidate from_center(float cx, float cy, float w, float h, float score, int class_id) {
  return Candidate{BBox{cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2}, score, class_id};
}

}  // namespace

std::vector<Candidate> decode_yolov8(const float* data, std::int64_t channels, std::int64_t n,
                                     const DecodeParams& params) {
  std::vector<Candidate> out;
  const std::int64_t nc = channels - 4;
  // Column-major walk: the best class of every anchor, one class row at a time (cache-friendly).
  std::vector<float> best(n, -1.0f);
  std::vector<int> best_id(n, 0);
  for (std::int64_t c = 0; c < nc; ++c) {
    const float* row = data + (4 + c) * n;
    for (std::int64_t i = 0; i < n; ++i) {
      if (row[i] > best[i]) {
        best[i] = row[i];
        best_id[i] = static_cast<int>(c);
      }
    }
  }
  for (std::int64_t i = 0; i < n; ++i) {
    if (!(best[i] > params.confidence) || !allowed(params, best_id[i])) continue;
    out.push_back(
        from_center(data[i], data[n + i], data[2 * n + i], data[3 * n + i], best[i], best_id[i]));
  }
  return out;
}

std::vector<Candidate> decode_yolov5(const float* data, std::int64_t n, std::int64_t row,
                                     const DecodeParams& params) {
  std::vector<Candidate> out;
  const std::int64_t nc = row - 5;
  for (std::int64_t i = 0; i < n; ++i) {
    const float* r = data + i * row;
    const float objectness = r[4];
    if (!(objectness > params.confidence)) continue;
    int best_id = 0;
    float best = -1.0f;
    for (std::int64_t c = 0; c < nc; ++c) {
      const float score = r[5 + c] * objectness;
      if (score > best) {
        best = score;
        best_id = static_cast<int>(c);
      }
    }
    if (!(best > params.confidence) || !allowed(params, best_id)) continue;
    out.push_back(from_center(r[0], r[1], r[2], r[3], best, best_id));
  }
  return out;
}

void decode_nanodet(const NanoDetLevel& level, int num_classes, int reg_max,
                    const DecodeParams& params, std::vector<Candidate>& out) {
  const int bins = reg_max + 1;
  std::vector<float> p(bins);
  for (std::int64_t i = 0; i < level.cells; ++i) {
    const float* s = level.scores + i * num_classes;
    const float* best = std::max_element(s, s + num_classes);
    const int class_id = static_cast<int>(best - s);
    if (!(*best > params.confidence) || !allowed(params, class_id)) continue;
    float side[4];
    for (int k = 0; k < 4; ++k) {  // softmax over the bins, then the expected bin
      const float* d = level.distances + i * 4 * bins + k * bins;
      const float top = *std::max_element(d, d + bins);
      float sum = 0;
      for (int b = 0; b < bins; ++b) sum += (p[b] = std::exp(d[b] - top));
      float expected = 0;
      for (int b = 0; b < bins; ++b) expected += b * p[b];
      side[k] = expected / sum * level.stride;
    }
    const float cx = (static_cast<float>(i % level.grid_w) + 0.5f) * level.stride;
    const float cy = (static_cast<float>(i / level.grid_w) + 0.5f) * level.stride;
    out.push_back(
        Candidate{BBox{cx - side[0], cy - side[1], cx + side[2], cy + side[3]}, *best, class_id});
  }
}

}  // namespace ov::inference
