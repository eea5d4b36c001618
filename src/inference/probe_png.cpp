// PNG, read as libpng 1.6 reads it (png_read_info, png_check_IHDR): IHDR is the first chunk,
// 13 bytes long, with sides of 1 to 2^31-1 but no more than the default user limit of
// 1,000,000, a bit depth allowed for its colour type, compression and filter method 0 and
// interlace method 0 or 1. The decoder writes rows straight into the image (interlaced ones
// too), so it needs no working memory of its own worth counting.
#include <fmt/format.h>

#include <cstring>

#include "inference/probe_formats.hpp"

namespace ov::inference::probe {
namespace {

constexpr auto kPng = SourceFormat::png;

bool depth_allowed(int colour_type, int depth) {
  switch (colour_type) {
    case 0:  // grey
      return depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16;
    case 3:  // palette
      return depth == 1 || depth == 2 || depth == 4 || depth == 8;
    case 2:  // RGB
    case 4:  // grey + alpha
    case 6:  // RGBA
      return depth == 8 || depth == 16;
    default:
      return false;
  }
}

}  // namespace

Result<ImageHeader> probe_png(Bytes b) {
  const Reader r(b, false);
  if (!r.has(8, 8) || std::memcmp(b.data() + 12, "IHDR", 4) != 0) {
    return corrupt(kPng, "the first chunk is not IHDR");
  }
  if (*r.get(8, 4) != 13) return corrupt(kPng, "IHDR is not 13 bytes long");
  if (!r.has(16, 13)) return corrupt(kPng, "truncated IHDR");
  const auto width = static_cast<std::int64_t>(*r.get(16, 4));
  const auto height = static_cast<std::int64_t>(*r.get(20, 4));
  const int depth = b[24], colour = b[25];
  constexpr std::int64_t kMax31 = 0x7FFFFFFF;
  if (width == 0 || height == 0) return corrupt(kPng, "zero width or height");
  if (width > kMax31 || height > kMax31) return corrupt(kPng, "a side over 2^31-1");
  if (width > kMaxPngSide || height > kMaxPngSide) {
    return unsupported(
        kPng, fmt::format("{}x{} is over libpng's {} pixels a side", width, height, kMaxPngSide));
  }
  if (!depth_allowed(colour, depth)) {
    return corrupt(kPng, fmt::format("bit depth {} with colour type {}", depth, colour));
  }
  if (b[26] != 0 || b[27] != 0) return corrupt(kPng, "unknown compression or filter method");
  if (b[28] > 1) return corrupt(kPng, "unknown interlace method");
  return ImageHeader{kPng, width, height, 0};
}

}  // namespace ov::inference::probe
