#pragma once
// Reads an encoded image's format and size from its header, without decoding it, so that the
// pixel limit is checked before any memory is spent (decompression bombs). Each format is read
// the way the decoder behind cv::imdecode reads it (docs/images.md): the size the probe returns
// is the size the decoder allocates, and headers the decoder would refuse, or that would make
// it work far beyond the image's size, are refused here with a message saying why.
#include <cstdint>
#include <span>

#include "core/error.hpp"

namespace ov::inference {

enum class SourceFormat { jpeg, png, webp, bmp, tiff };
const char* to_string(SourceFormat format);

// Bounds on what a header may ask of its decoder.
inline constexpr int kMaxJpegScans = 100;     // progressive JPEGs use about 10
inline constexpr int kMaxJpegMarkers = 2000;  // segments before EOI, restart markers aside
inline constexpr int kMaxTiffEntries = 4096;  // libtiff's own bound on one directory
inline constexpr std::int64_t kMaxPngSide = 1'000'000;  // libpng's default user limit
inline constexpr std::int64_t kMaxJpegSide = 65'500;    // libjpeg's JPEG_MAX_DIMENSION

struct ImageHeader {
  SourceFormat format = SourceFormat::jpeg;
  std::int64_t width = 0, height = 0;  // as the decoder reads them, before any EXIF orientation
  // The decoder's own working memory besides the decoded image, estimated from the header:
  // progressive JPEG coefficients, TIFF tile buffers, lossless or alpha WebP planes.
  std::int64_t decoder_bytes = 0;
};

Result<ImageHeader> probe_image(std::span<const std::uint8_t> bytes);

// probe_image plus the pixel limit (max_pixels <= 0: none) and zero sizes.
Result<ImageHeader> check_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels);

}  // namespace ov::inference
