#include "inference/image_probe.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace ov::inference {
namespace {

using Bytes = std::span<const std::uint8_t>;

std::uint32_t be16(Bytes b, std::size_t at) {
  return (b[at] << 8) | b[at + 1];
}
std::uint32_t le16(Bytes b, std::size_t at) {
  return b[at] | (b[at + 1] << 8);
}
std::uint32_t be32(Bytes b, std::size_t at) {
  return (be16(b, at) << 16) | be16(b, at + 2);
}
std::uint32_t le32(Bytes b, std::size_t at) {
  return le16(b, at) | (le16(b, at + 2) << 16);
}
std::uint32_t le24(Bytes b, std::size_t at) {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
}

bool starts_with(Bytes b, const char* magic, std::size_t n) {
  return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
}

Error corrupt(SourceFormat format, const char* what) {
  return Error{Errc::invalid_argument,
               fmt::format("corrupt {} image: {}", to_string(format), what)};
}

Result<ImageHeader> probe_jpeg(Bytes b) {
  std::size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xFF) return corrupt(SourceFormat::jpeg, "bad marker");
    std::uint8_t marker = b[pos + 1];
    if (marker == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      pos += 2;
      continue;
    }
    std::uint32_t length = be16(b, pos + 2);
    bool sof =
        marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (sof) {
      if (pos + 9 > b.size()) break;
      return ImageHeader{SourceFormat::jpeg, be16(b, pos + 7), be16(b, pos + 5)};
    }
    if (marker == 0xDA || marker == 0xD9) break;  // scan data before any frame header
    pos += 2 + length;
  }
  return corrupt(SourceFormat::jpeg, "no frame header (truncated?)");
}

Result<ImageHeader> probe_webp(Bytes b) {
  if (b.size() < 30) return corrupt(SourceFormat::webp, "truncated header");
  if (std::memcmp(b.data() + 12, "VP8 ", 4) == 0) {
    if (b[23] != 0x9d || b[24] != 0x01 || b[25] != 0x2a) {
      return corrupt(SourceFormat::webp, "bad VP8 frame");
    }
    return ImageHeader{SourceFormat::webp, le16(b, 26) & 0x3fff, le16(b, 28) & 0x3fff};
  }
  if (std::memcmp(b.data() + 12, "VP8L", 4) == 0) {
    if (b[20] != 0x2f) return corrupt(SourceFormat::webp, "bad VP8L signature");
    std::uint32_t bits = le32(b, 21);
    return ImageHeader{SourceFormat::webp, (bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1};
  }
  if (std::memcmp(b.data() + 12, "VP8X", 4) == 0) {
    return ImageHeader{SourceFormat::webp, le24(b, 24) + 1, le24(b, 27) + 1};
  }
  return corrupt(SourceFormat::webp, "unknown chunk");
}

Result<ImageHeader> probe_bmp(Bytes b) {
  if (b.size() < 26) return corrupt(SourceFormat::bmp, "truncated header");
  std::uint32_t dib = le32(b, 14);
  if (dib == 12) return ImageHeader{SourceFormat::bmp, le16(b, 18), le16(b, 20)};
  auto width = static_cast<std::int32_t>(le32(b, 18));
  auto height = static_cast<std::int32_t>(le32(b, 22));
  return ImageHeader{SourceFormat::bmp, std::abs(static_cast<std::int64_t>(width)),
                     std::abs(static_cast<std::int64_t>(height))};
}

Result<ImageHeader> probe_tiff(Bytes b) {
  bool little = b[0] == 'I';
  auto u16 = [&](std::size_t at) { return little ? le16(b, at) : be16(b, at); };
  auto u32 = [&](std::size_t at) { return little ? le32(b, at) : be32(b, at); };
  if (u16(2) != 42) return corrupt(SourceFormat::tiff, "not a classic TIFF");
  std::size_t ifd = u32(4);
  if (ifd + 2 > b.size()) return corrupt(SourceFormat::tiff, "truncated directory");
  std::size_t count = u16(ifd);
  ImageHeader header{SourceFormat::tiff, 0, 0};
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t entry = ifd + 2 + 12 * i;
    if (entry + 12 > b.size()) return corrupt(SourceFormat::tiff, "truncated directory");
    std::uint32_t tag = u16(entry);
    std::uint32_t type = u16(entry + 2);
    std::uint32_t value = type == 3 ? u16(entry + 8) : u32(entry + 8);
    if (tag == 256) header.width = value;
    if (tag == 257) header.height = value;
  }
  if (header.width == 0 || header.height == 0) {
    return corrupt(SourceFormat::tiff, "no image size");
  }
  return header;
}

// A JPEG must end its scan with an EOI marker: 0xFF bytes inside entropy-coded data are stuffed,
// so FF D9 after the first SOS only appears as the real end. libjpeg decodes truncated files
// into grey blocks with a mere warning; we refuse them instead.
bool jpeg_is_complete(Bytes b) {
  const std::uint8_t sos[] = {0xFF, 0xDA};
  const std::uint8_t eoi[] = {0xFF, 0xD9};
  auto scan = std::search(b.begin(), b.end(), std::begin(sos), std::end(sos));
  if (scan == b.end()) return false;
  return std::search(scan, b.end(), std::begin(eoi), std::end(eoi)) != b.end();
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

Result<ImageHeader> probe_image(std::span<const std::uint8_t> b) {
  if (b.empty()) return Error{Errc::invalid_argument, "empty image: no bytes"};
  if (starts_with(b, "\xFF\xD8\xFF", 3)) return probe_jpeg(b);
  if (starts_with(b, "\x89PNG\r\n\x1a\n", 8)) {
    if (b.size() < 24 || std::memcmp(b.data() + 12, "IHDR", 4) != 0) {
      return corrupt(SourceFormat::png, "no IHDR chunk");
    }
    return ImageHeader{SourceFormat::png, be32(b, 16), be32(b, 20)};
  }
  if (starts_with(b, "RIFF", 4) && b.size() >= 16 && std::memcmp(b.data() + 8, "WEBP", 4) == 0) {
    return probe_webp(b);
  }
  if (starts_with(b, "BM", 2)) return probe_bmp(b);
  if (b.size() >= 8 && (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4))) {
    return probe_tiff(b);
  }
  return Error{Errc::unsupported, "not an image: expected JPEG, PNG, WebP, BMP or TIFF data"};
}

Result<ImageHeader> check_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels) {
  auto header = probe_image(bytes);
  if (!header) return header;
  if (header->width <= 0 || header->height <= 0) {
    return corrupt(header->format, "zero width or height");
  }
  std::int64_t pixels = header->width * header->height;
  if (max_pixels > 0 && pixels > max_pixels) {
    return Error{Errc::too_large, fmt::format("image too large: {}x{} = {} pixels, the limit is {}",
                                              header->width, header->height, pixels, max_pixels)};
  }
  if (header->format == SourceFormat::jpeg && !jpeg_is_complete(bytes)) {
    return corrupt(SourceFormat::jpeg, "truncated (no end-of-image marker)");
  }
  return header;
}

}  // namespace ov::inference
