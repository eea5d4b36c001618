#pragma once
// Decoding with OpenCV (internal: includes OpenCV). Any input becomes 8-bit BGR, oriented by
// its EXIF tag: grayscale is replicated, alpha dropped (as cv2.imread does for Ultralytics),
// 16-bit scaled to 8, CMYK converted by libjpeg. The pixel limit holds three times: the header
// probe before decoding, OpenCV's own limit while decoding (OPENCV_IO_MAX_IMAGE_PIXELS, see
// decoder_limit.hpp), and the decoded image's size after.
#include <cstdint>
#include <span>

#include <opencv2/core/mat.hpp>

#include "core/error.hpp"
#include "inference/image_probe.hpp"

namespace ov::inference {

// check_image, then decode (max_pixels <= 0: no limit).
Result<cv::Mat> decode_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels);

// Decodes bytes whose header check_image already passed. When an allocation fails inside
// OpenCV, both throw std::bad_alloc, for the pipeline to report with what it was doing.
// `reduction` (1, 2, 4 or 8; JPEG only, see decode_reduction): decoded at that fraction of its
// size, inside the JPEG decoder's inverse DCT (fewer pixels made, not made and then dropped).
Result<cv::Mat> decode_checked(std::span<const std::uint8_t> bytes, const ImageHeader& header,
                               std::int64_t max_pixels, int reduction = 1);

// The largest reduction (2, 4 or 8) at which a JPEG still covers a `target_w` x `target_h`
// input at its letterboxed size whichever its EXIF orientation (the image is at least twice
// the input for 2); 1 for other formats and smaller images.
int decode_reduction(const ImageHeader& header, int target_w, int target_h);

// The decoded image against the limit: a decoder that read another size than the header said
// is caught here, its memory already spent but the image refused.
Result<void> check_decoded(const cv::Mat& image, const ImageHeader& header,
                           std::int64_t max_pixels);

}  // namespace ov::inference
