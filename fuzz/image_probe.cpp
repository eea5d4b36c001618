// The image probe (every format: JPEG, PNG, WebP, BMP, TIFF) and, behind it, the decoder:
// what the probe passes under the pixel limit must decode to no more pixels than the limit
// and to the size the probe read (EXIF orientation may swap the sides). Input: an image file.
#include <fmt/format.h>

#include <string>

#include <opencv2/core/mat.hpp>

#include "fuzz/fuzz_check.hpp"
#include "inference/image_decode.hpp"
#include "inference/image_probe.hpp"

namespace {

constexpr std::int64_t kMaxPixels = 256 * 256;  // small: a lying header shows at once

bool same_size(const ov::inference::ImageHeader& header, const cv::Mat& image) {
  auto cols = static_cast<std::int64_t>(image.cols);
  auto rows = static_cast<std::int64_t>(image.rows);
  return (cols == header.width && rows == header.height) ||
         (cols == header.height && rows == header.width);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  auto probed = ov::inference::probe_image(bytes);
  if (probed) {
    FUZZ_CHECK(probed->width >= 0 && probed->height >= 0,
               fmt::format("{}x{}", probed->width, probed->height));
  }
  auto checked = ov::inference::check_image(bytes, kMaxPixels);
  if (!checked) return 0;
  FUZZ_CHECK(probed, "check_image passed what probe_image refused");
  FUZZ_CHECK(
      checked->width > 0 && checked->height > 0 && checked->width * checked->height <= kMaxPixels,
      fmt::format("{}x{}", checked->width, checked->height));

  auto image = ov::inference::decode_image(bytes, kMaxPixels);
  if (!image) return 0;
  const cv::Mat& m = image.value();
  const std::string what =
      fmt::format("{} header {}x{} decoded to {}x{}", ov::inference::to_string(checked->format),
                  checked->width, checked->height, m.cols, m.rows);
  FUZZ_CHECK(static_cast<std::int64_t>(m.cols) * m.rows <= kMaxPixels, what);
  FUZZ_CHECK(same_size(*checked, m), what);
  return 0;
}
