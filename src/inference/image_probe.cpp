#include "inference/image_probe.hpp"

#include <fmt/format.h>

#include <cstring>

#include "inference/probe_formats.hpp"

namespace ov::inference {
namespace probe {

Error corrupt(SourceFormat format, std::string_view what) {
  return Error{Errc::invalid_argument,
               fmt::format("corrupt {} image: {}", to_string(format), what)};
}

Error unsupported(SourceFormat format, std::string_view what) {
  return Error{Errc::invalid_argument,
               fmt::format("unsupported {} image: {}", to_string(format), what)};
}

Error refused(SourceFormat format, std::string_view what) {
  return Error{Errc::invalid_argument,
               fmt::format("{} image refused: {}", to_string(format), what)};
}

}  // namespace probe

namespace {

bool starts_with(std::span<const std::uint8_t> b, const char* magic, std::size_t n) {
  return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
}

}  // namespace

const char* to_string(SourceFormat format) {
  switch (format) {
    case SourceFormat::jpeg:
      return "JPEG";
    case SourceFormat::png:
      return "PNG";
    case SourceFormat::webp:
      return "WebP";
    case SourceFormat::bmp:
      return "BMP";
    case SourceFormat::tiff:
      return "TIFF";
  }
  return "?";
}

// The signatures OpenCV's decoders check (grfmt_*.cpp); a format OpenCV reads but we do not
// (PNM, Sun raster, HDR, ...) is not an image here, so it never reaches the decoder.
Result<ImageHeader> probe_image(std::span<const std::uint8_t> b) {
  if (b.empty()) return Error{Errc::invalid_argument, "empty image: no bytes"};
  if (starts_with(b, "\xFF\xD8\xFF", 3)) return probe::probe_jpeg(b);
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) return probe::probe_png(b);
  if (starts_with(b, "RIFF", 4) && b.size() >= 12 && std::memcmp(b.data() + 8, "WEBP", 4) == 0) {
    return probe::probe_webp(b);
  }
  if (starts_with(b, "BM", 2)) return probe::probe_bmp(b);
  if (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4) || starts_with(b, "II+\0", 4) ||
      starts_with(b, "MM\0+", 4)) {
    return probe::probe_tiff(b);
  }
  return Error{Errc::unsupported, "not an image: expected JPEG, PNG, WebP, BMP or TIFF data"};
}

Result<ImageHeader> check_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels) {
  auto header = probe_image(bytes);
  if (!header) return header;
  if (header->width <= 0 || header->height <= 0) {
    return probe::corrupt(header->format, "zero width or height");
  }
  // Each side fits in 32 bits (TIFF's are the widest), so the product fits in 64 unsigned.
  const auto pixels =
      static_cast<std::uint64_t>(header->width) * static_cast<std::uint64_t>(header->height);
  if (max_pixels > 0 && pixels > static_cast<std::uint64_t>(max_pixels)) {
    return Error{Errc::too_large, fmt::format("image too large: {}x{} = {} pixels, the limit is {}",
                                              header->width, header->height, pixels, max_pixels)};
  }
  return header;
}

}  // namespace ov::inference
