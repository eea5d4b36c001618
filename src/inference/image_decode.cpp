#include "inference/image_decode.hpp"

#include <fmt/format.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "inference/image_probe.hpp"

namespace ov::inference {

Result<cv::Mat> decode_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels) {
  auto header = check_image(bytes, max_pixels);
  if (!header) return header.error();
  cv::Mat image;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    image = cv::imdecode(raw, cv::IMREAD_COLOR);  // applies the EXIF orientation
  } catch (const cv::Exception& e) {
    return Error{Errc::invalid_argument,
                 fmt::format("cannot decode {} image: {}", to_string(header->format), e.what())};
  }
  if (image.empty()) {
    return Error{Errc::invalid_argument,
                 fmt::format("cannot decode {} image (corrupt or truncated data)",
                             to_string(header->format))};
  }
  if (image.type() != CV_8UC3) {
    return Error{Errc::unsupported,
                 fmt::format("unsupported {} pixel layout", to_string(header->format))};
  }
  return image;
}

}  // namespace ov::inference
