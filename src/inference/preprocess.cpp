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
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.0f / norm.std[c];
    shift[c] = -norm.mean[c] / norm.std[c];
    std::fill(out + c * plane, out + (c + 1) * plane, norm.pad_value * scale[c] + shift[c]);
  }
  // Source channel feeding tensor channel c: BGR input, so RGB reverses the order.
  const int src[3] = {norm.rgb ? 2 : 0, 1, norm.rgb ? 0 : 2};
  const int rows = std::min(lb.resized_h, target_h - lb.top);
  const int cols = std::min(lb.resized_w, target_w - lb.left);
  for (int y = 0; y < rows; ++y) {
    const std::uint8_t* row = resized.ptr<std::uint8_t>(y);
    const std::size_t base = static_cast<std::size_t>(y + lb.top) * target_w + lb.left;
    for (int c = 0; c < 3; ++c) {
      float* dst = out + c * plane + base;
      const int s = src[c];
      const float k = scale[c], b = shift[c];
      for (int x = 0; x < cols; ++x) dst[x] = row[3 * x + s] * k + b;
    }
  }
  return lb;
}

}  // namespace ov::inference
