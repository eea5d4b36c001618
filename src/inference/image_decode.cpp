#include "inference/image_decode.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <new>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

namespace ov::inference {

Result<cv::Mat> decode_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels) {
  auto header = check_image(bytes, max_pixels);
  if (!header) return header.error();
  return decode_checked(bytes, header.value(), max_pixels);
}

int decode_reduction(const ImageHeader& header, int target_w, int target_h) {
  if (header.format != SourceFormat::jpeg || header.width <= 0 || header.height <= 0) return 1;
  const double w = static_cast<double>(header.width), h = static_cast<double>(header.height);
  // The letterbox's scale, upright or turned a quarter (EXIF): the larger of the two, to be safe.
  const double gain =
      std::max(std::min(target_w / w, target_h / h), std::min(target_w / h, target_h / w));
  int reduction = 1;
  for (int r : {2, 4, 8}) {
    if (gain * r <= 1.0) reduction = r;
  }
  return reduction;
}

Result<cv::Mat> decode_checked(std::span<const std::uint8_t> bytes, const ImageHeader& header,
                               std::int64_t max_pixels, int reduction) {
  const char* format = to_string(header.format);
  cv::Mat image;
  try {
    const cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1,
                      const_cast<std::uint8_t*>(bytes.data()));
    int flags = cv::IMREAD_COLOR;  // every one of these applies the EXIF orientation
    if (reduction == 2) flags = cv::IMREAD_REDUCED_COLOR_2;
    if (reduction == 4) flags = cv::IMREAD_REDUCED_COLOR_4;
    if (reduction == 8) flags = cv::IMREAD_REDUCED_COLOR_8;
    image = cv::imdecode(raw, flags);
  } catch (const cv::Exception& e) {
    // validateInputImageSize() asserts on OpenCV's own limits before it allocates the image.
    if (e.err.find("CV_IO_MAX_IMAGE") != std::string::npos) {
      return Error{Errc::too_large,
                   fmt::format("image too large: the {} decoder read a size over its limit of {} "
                               "pixels (the header said {}x{})",
                               format, max_pixels, header.width, header.height)};
    }
    if (e.code == cv::Error::StsNoMem) throw std::bad_alloc();
    return Error{Errc::invalid_argument, fmt::format("cannot decode {} image: {}", format, e.err)};
  }
  if (image.empty()) {
    return Error{Errc::invalid_argument,
                 fmt::format("cannot decode {} image (corrupt or truncated data)", format)};
  }
  if (auto checked = check_decoded(image, header, max_pixels); !checked) return checked.error();
  if (image.type() != CV_8UC3) {
    return Error{Errc::unsupported, fmt::format("unsupported {} pixel layout", format)};
  }
  return image;
}

Result<void> check_decoded(const cv::Mat& image, const ImageHeader& header,
                           std::int64_t max_pixels) {
  const auto pixels = static_cast<std::int64_t>(image.total());
  if (max_pixels > 0 && pixels > max_pixels) {
    return Error{Errc::too_large,
                 fmt::format("image too large: {} decoded to {}x{} = {} pixels (its header said "
                             "{}x{}), the limit is {}",
                             to_string(header.format), image.cols, image.rows, pixels, header.width,
                             header.height, max_pixels)};
  }
  return {};
}

}  // namespace ov::inference
