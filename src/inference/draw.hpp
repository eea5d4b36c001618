#pragma once
// Drawing and encoding (internal: includes OpenCV).
#include <cstdint>
#include <span>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/error.hpp"
#include "inference/types.hpp"

namespace ov::inference {

void draw_detections(cv::Mat& bgr, std::span<const DetectedObject> detections);
Result<std::vector<std::uint8_t>> encode_image(const cv::Mat& bgr, ImageFormat format, int quality);

}  // namespace ov::inference
