#include "inference/preprocess.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace ov::inference {

Letterbox preprocess(const cv::Mat& bgr, int target_w, int target_h, const Normalization& norm,
                     float* out) {
  Letterbox lb = compute_letterbox(bgr.cols, bgr.rows, target_w, target_h);
  cv::Mat resized;
  if (lb.resized_w != bgr.cols || lb.resized_h != bgr.rows) {
    cv::resize(bgr, resized, cv::Size(lb.resized_w, lb.resized_h), 0, 0, cv::INTER_LINEAR);
  } else {
    resized = bgr;
  }
  const std::size_t plane = static_cast<std::size_t>(target_w) * target_h;
  float scale[3];
  float shift[3];
  float pad[3];
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.0f / norm.std[c];
    shift[c] = -norm.mean[c] / norm.std[c];
    pad[c] = norm.pad_value * scale[c] + shift[c];
  }
  // Source channel feeding tensor channel c: BGR input, so RGB reverses the order.
  const int s0 = norm.rgb ? 2 : 0, s2 = norm.rgb ? 0 : 2;
  const int rows = std::min(lb.resized_h, target_h - lb.top);
  const int cols = std::min(lb.resized_w, target_w - lb.left);
  const auto width = static_cast<std::size_t>(target_w);
  // Only the bands around the image are padding (the tensor is reused: every float is written).
  const auto top = static_cast<std::size_t>(lb.top), left = static_cast<std::size_t>(lb.left);
  const std::size_t below = top + static_cast<std::size_t>(rows);
  const std::size_t right = left + static_cast<std::size_t>(cols);
  for (int c = 0; c < 3; ++c) {
    float* p = out + static_cast<std::size_t>(c) * plane;
    std::fill(p, p + top * width, pad[c]);
    std::fill(p + below * width, p + plane, pad[c]);
    for (std::size_t y = top; y < below; ++y) {
      std::fill(p + y * width, p + y * width + left, pad[c]);
      std::fill(p + y * width + right, p + (y + 1) * width, pad[c]);
    }
  }
  // One pass over each row of pixels, writing its three planes.
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
    const std::size_t base = (static_cast<std::size_t>(y) + top) * width + left;
    float* d0 = out + base;
    float* d1 = out + plane + base;
    float* d2 = out + 2 * plane + base;
    for (int x = 0; x < cols; ++x) {
      const std::uint8_t* px = row + 3 * x;
      d0[x] = px[s0] * scale[0] + shift[0];
      d1[x] = px[1] * scale[1] + shift[1];
      d2[x] = px[s2] * scale[2] + shift[2];
    }
  }
  return lb;
}

}  // namespace ov::inference
