#pragma once
// The letterbox geometry (Ultralytics' rules) and the way back to original pixels.
#include "inference/types.hpp"

namespace ov::inference {

struct Letterbox {
  double gain = 1;                   // r = min(S_h / h, S_w / w)
  int resized_w = 0, resized_h = 0;  // round(w r), round(h r), Python's rounding
  int left = 0, top = 0;             // pads: round(dw - 0.1), round(dh - 0.1)
  int target_w = 0, target_h = 0;
};

Letterbox compute_letterbox(int width, int height, int target_w, int target_h);

// Model-input coordinates back to the original image, clipped to [0, width] x [0, height].
BBox unletterbox(const BBox& box, const Letterbox& lb, int width, int height);

}  // namespace ov::inference
