#pragma once
// Decoding with OpenCV (internal: includes OpenCV). Any input becomes 8-bit BGR, oriented by
// its EXIF tag: grayscale is replicated, alpha dropped (as cv2.imread does for Ultralytics),
// 16-bit scaled to 8, CMYK converted by libjpeg.
#include <cstdint>
#include <span>

#include <opencv2/core/mat.hpp>

#include "core/error.hpp"

namespace ov::inference {

Result<cv::Mat> decode_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels);

}  // namespace ov::inference
