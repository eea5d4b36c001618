#pragma once
// Image -> model input tensor (internal: includes OpenCV).
#include <opencv2/core/mat.hpp>

#include "inference/letterbox.hpp"

namespace ov::inference {

struct Normalization {
  bool rgb = true;            // channel order of the tensor
  float mean[3] = {0, 0, 0};  // in the tensor's channel order
  float std[3] = {255, 255, 255};
  float pad_value = 114;  // letterbox fill, a pixel value before normalisation
};

// Letterboxes `bgr` into target_w x target_h and writes NCHW float32 planes to `out`
// (3 * target_h * target_w floats). Returns the geometry for the way back.
Letterbox preprocess(const cv::Mat& bgr, int target_w, int target_h, const Normalization& norm,
                     float* out);

}  // namespace ov::inference
