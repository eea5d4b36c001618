#pragma once
// Reads an encoded image's format and size from its header, without decoding it, so that the
// pixel limit is checked before any memory is spent (decompression bombs).
#include <cstdint>
#include <span>

#include "core/error.hpp"

namespace ov::inference {

enum class SourceFormat { jpeg, png, webp, bmp, tiff };
const char* to_string(SourceFormat format);

struct ImageHeader {
  SourceFormat format = SourceFormat::jpeg;
  std::int64_t width = 0, height = 0;  // as stored, before any EXIF orientation
};

Result<ImageHeader> probe_image(std::span<const std::uint8_t> bytes);

// probe_image plus the pixel limit and the truncation checks that decoders let through.
Result<ImageHeader> check_image(std::span<const std::uint8_t> bytes, std::int64_t max_pixels);

}  // namespace ov::inference
