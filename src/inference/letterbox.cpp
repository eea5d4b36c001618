#include "inference/letterbox.hpp"

#include <algorithm>
#include <cmath>

namespace ov::inference {

// Python's round(): half to even, which std::nearbyint does in the default rounding mode.
static int py_round(double v) {
  return static_cast<int>(std::nearbyint(v));
}

Letterbox compute_letterbox(int width, int height, int target_w, int target_h) {
  Letterbox lb;
  lb.target_w = target_w;
  lb.target_h = target_h;
  lb.gain = std::min(static_cast<double>(target_h) / height, static_cast<double>(target_w) / width);
  lb.resized_w = std::max(1, py_round(width * lb.gain));  // a sliver stays one pixel wide
  lb.resized_h = std::max(1, py_round(height * lb.gain));
  double dw = (target_w - lb.resized_w) / 2.0;
  double dh = (target_h - lb.resized_h) / 2.0;
  lb.left = py_round(dw - 0.1);
  lb.top = py_round(dh - 0.1);
  return lb;
}

BBox unletterbox(const BBox& box, const Letterbox& lb, int width, int height) {
  auto fx = [&](float x) {
    return std::clamp(static_cast<float>((x - lb.left) / lb.gain), 0.0f, static_cast<float>(width));
  };
  auto fy = [&](float y) {
    return std::clamp(static_cast<float>((y - lb.top) / lb.gain), 0.0f, static_cast<float>(height));
  };
  return BBox{fx(box.x1), fy(box.y1), fx(box.x2), fy(box.y2)};
}

}  // namespace ov::inference
