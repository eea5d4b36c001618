#pragma once
// Internal to the image probe: one header reader per format, each reading the header the way
// the decoder behind cv::imdecode does (libjpeg-turbo, libpng, libwebp, libtiff, OpenCV's own
// BMP reader), and the byte access they share. Every read is bounds-checked.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/error.hpp"
#include "inference/image_probe.hpp"

namespace ov::inference::probe {

using Bytes = std::span<const std::uint8_t>;

// Unsigned integers of 1 to 8 bytes at an offset, in one byte order; nullopt past the end.
class Reader {
 public:
  Reader(Bytes bytes, bool little_endian) : b_(bytes), little_(little_endian) {}
  bool has(std::uint64_t at, std::uint64_t n) const {
    return at <= b_.size() && n <= b_.size() - at;
  }
  std::optional<std::uint64_t> get(std::uint64_t at, int width) const {
    if (!has(at, static_cast<std::uint64_t>(width))) return std::nullopt;
    std::uint64_t v = 0;
    for (int i = 0; i < width; ++i) {
      const std::uint64_t byte = b_[at + (little_ ? width - 1 - i : i)];
      v = (v << 8) | byte;
    }
    return v;
  }
  std::uint64_t size() const { return b_.size(); }
  Bytes bytes() const { return b_; }

 private:
  Bytes b_;
  bool little_;
};

// "corrupt JPEG image: what" and "unsupported JPEG image: what" (both invalid_argument: the
// upload answers 422 with the message); `refused` is for inputs that are valid but would cost
// the decoder far more than their size says (decompression bombs).
Error corrupt(SourceFormat format, std::string_view what);
Error unsupported(SourceFormat format, std::string_view what);
Error refused(SourceFormat format, std::string_view what);

Result<ImageHeader> probe_jpeg(Bytes b);
Result<ImageHeader> probe_png(Bytes b);
Result<ImageHeader> probe_webp(Bytes b);
Result<ImageHeader> probe_bmp(Bytes b);
Result<ImageHeader> probe_tiff(Bytes b);

}  // namespace ov::inference::probe
