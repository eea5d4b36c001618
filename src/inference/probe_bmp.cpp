// BMP, read as OpenCV 4.6's own BmpDecoder::readHeader reads it: the DIB header size decides
// the layout. 12 bytes (OS/2 core): 16-bit unsigned width and height. 36 bytes or more
// (BITMAPINFOHEADER and its V4 / V5 / OS/2 2.x extensions): 32-bit signed width, which must be
// positive, and height, whose sign gives the row order (negative: top-down) and which must not
// be zero; INT32_MIN has no absolute value, and OpenCV then fails its own size check. Other
// header sizes, bit depths and compressions OpenCV does not read are refused. It decodes a row
// at a time into the image.
#include <fmt/format.h>

#include <limits>

#include "inference/probe_formats.hpp"

namespace ov::inference::probe {
namespace {

constexpr auto kBmp = SourceFormat::bmp;
enum Compression : std::uint32_t { kRgb = 0, kRle8 = 1, kRle4 = 2, kBitfields = 3 };

bool readable(std::uint32_t bpp, std::uint32_t compression) {
  switch (compression) {
    case kRgb:
      return bpp == 1 || bpp == 4 || bpp == 8 || bpp == 16 || bpp == 24 || bpp == 32;
    case kRle8:
      return bpp == 8;
    case kRle4:
      return bpp == 4;
    case kBitfields:
      return bpp == 16 || bpp == 32;
    default:
      return false;
  }
}

}  // namespace

Result<ImageHeader> probe_bmp(Bytes b) {
  const Reader r(b, true);
  const auto dib = r.get(14, 4);
  if (!dib) return corrupt(kBmp, "truncated header");
  if (*dib == 12) {
    if (!r.has(14, 12)) return corrupt(kBmp, "truncated header");
    const auto width = static_cast<std::int64_t>(*r.get(18, 2));
    const auto height = static_cast<std::int64_t>(*r.get(20, 2));
    const auto bpp = static_cast<std::uint32_t>(*r.get(24, 2));
    if (width == 0 || height == 0) return corrupt(kBmp, "zero width or height");
    if (bpp == 16 || !readable(bpp, kRgb)) {
      return unsupported(kBmp, fmt::format("{} bits per pixel in an OS/2 bitmap", bpp));
    }
    return ImageHeader{kBmp, width, height, 0};
  }
  if (*dib < 36 || *dib > 0x7FFFFFFF) {
    return unsupported(kBmp, fmt::format("a {}-byte DIB header", *dib));
  }
  if (!r.has(14, 20)) return corrupt(kBmp, "truncated header");
  const auto width = static_cast<std::int32_t>(*r.get(18, 4));
  const auto height = static_cast<std::int32_t>(*r.get(22, 4));
  const auto bpp = static_cast<std::uint32_t>(*r.get(28, 2));
  const auto compression = static_cast<std::uint32_t>(*r.get(30, 4));
  if (width <= 0) return corrupt(kBmp, fmt::format("width {}", width));
  if (height == 0) return corrupt(kBmp, "zero height");
  if (height == std::numeric_limits<std::int32_t>::min()) {
    return corrupt(kBmp, "height -2^31 (no top-down height has that size)");
  }
  if (!readable(bpp, compression)) {
    return unsupported(kBmp,
                       fmt::format("{} bits per pixel with compression {}", bpp, compression));
  }
  return ImageHeader{kBmp, width, height < 0 ? -static_cast<std::int64_t>(height) : height, 0};
}

}  // namespace ov::inference::probe
