// WebP, read as OpenCV 4.6 and libwebp 1.2 read it. OpenCV takes the size from
// WebPGetFeatures() on the first 32 bytes and allocates the image before decoding: for a VP8X
// file that is the canvas of the VP8X chunk, so the canvas is the size that counts. libwebp
// then decodes the whole file: the RIFF size must fit in the file, the VP8 / VP8L frame after
// the optional chunks must have the canvas's size, and an animation fails (WebPDecode does not
// decode animations): we refuse animations too, before anything is allocated.
#include <fmt/format.h>

#include <cstring>

#include "inference/probe_formats.hpp"

namespace ov::inference::probe {
namespace {

constexpr auto kWebp = SourceFormat::webp;
constexpr std::size_t kHeaderSize = 32;  // OpenCV's WEBP_HEADER_SIZE
constexpr std::uint8_t kAnimationFlag = 0x02, kAlphaFlag = 0x10;

struct Frame {
  std::int64_t width = 0, height = 0;
  bool lossless = false, alpha = false;
};

bool tag_is(Bytes b, std::size_t at, const char* tag) {
  return at + 4 <= b.size() && std::memcmp(b.data() + at, tag, 4) == 0;
}

// The payload of a "VP8 " or "VP8L" chunk (VP8GetInfo, VP8LGetInfo).
Result<Frame> read_frame(Bytes payload, bool lossless) {
  const Reader r(payload, true);
  if (lossless) {
    if (payload.size() < 5 || payload[0] != 0x2F) return corrupt(kWebp, "bad VP8L signature");
    if ((payload[4] >> 5) != 0) return unsupported(kWebp, "unknown VP8L version");
    const auto bits = *r.get(1, 4);
    return Frame{static_cast<std::int64_t>(bits & 0x3FFF) + 1,
                 static_cast<std::int64_t>((bits >> 14) & 0x3FFF) + 1, true,
                 ((bits >> 28) & 1) != 0};
  }
  if (payload.size() < 10) return corrupt(kWebp, "truncated VP8 frame header");
  const auto tag = *r.get(0, 3);
  const bool key_frame = (tag & 1) == 0, shown = ((tag >> 4) & 1) != 0;
  if (!key_frame || ((tag >> 1) & 7) > 3 || !shown || (tag >> 5) >= payload.size()) {
    return corrupt(kWebp, "bad VP8 frame tag");
  }
  if (payload[3] != 0x9D || payload[4] != 0x01 || payload[5] != 0x2A) {
    return corrupt(kWebp, "bad VP8 start code");
  }
  Frame f{static_cast<std::int64_t>(*r.get(6, 2) & 0x3FFF),
          static_cast<std::int64_t>(*r.get(8, 2) & 0x3FFF), false, false};
  if (f.width == 0 || f.height == 0) return corrupt(kWebp, "zero width or height");
  return f;
}

// The chunk at `at` if it is an image frame, else nullopt; errors for a bad chunk.
Result<std::optional<Frame>> frame_chunk(Bytes b, std::size_t at, std::size_t end) {
  const Reader r(b, true);
  if (at + 8 > end) return corrupt(kWebp, "truncated chunk header");
  const auto size = *r.get(at + 4, 4);
  if (size > end - at - 8) return corrupt(kWebp, "a chunk runs past the end of the file");
  const bool vp8 = tag_is(b, at, "VP8 "), vp8l = tag_is(b, at, "VP8L");
  if (!vp8 && !vp8l) return std::optional<Frame>();
  auto f = read_frame(b.subspan(at + 8, size), vp8l);
  if (!f) return f.error();
  return std::optional<Frame>(f.value());
}

ImageHeader header_of(std::int64_t width, std::int64_t height, const Frame& f, bool alpha) {
  ImageHeader h{kWebp, width, height, 0};
  // OpenCV decodes an image with alpha into a 4-channel buffer, then drops alpha; VP8L keeps
  // the whole image as 32-bit ARGB while it decodes.
  if (f.lossless) h.decoder_bytes += 4 * width * height;
  if (alpha || f.alpha) h.decoder_bytes += 5 * width * height;
  return h;
}

}  // namespace

Result<ImageHeader> probe_webp(Bytes b) {
  if (b.size() < kHeaderSize) return corrupt(kWebp, "truncated header");
  const Reader r(b, true);
  const auto riff_size = *r.get(4, 4);
  if (riff_size < 12) return corrupt(kWebp, "RIFF size too small");
  if (riff_size > b.size() - 8) return corrupt(kWebp, "truncated (shorter than its RIFF size)");
  const std::size_t end = 8 + riff_size;  // libwebp ignores anything after the RIFF chunk

  if (!tag_is(b, 12, "VP8X")) {
    auto frame = frame_chunk(b, 12, end);
    if (!frame) return frame.error();
    if (!frame.value()) return unsupported(kWebp, "unknown first chunk");
    const Frame& f = *frame.value();
    return header_of(f.width, f.height, f, false);
  }

  if (*r.get(16, 4) != 10) return corrupt(kWebp, "VP8X chunk is not 10 bytes long");
  const std::uint8_t flags = b[20];
  const auto width = static_cast<std::int64_t>(*r.get(24, 3)) + 1;
  const auto height = static_cast<std::int64_t>(*r.get(27, 3)) + 1;
  if (width * height >= (std::int64_t{1} << 32)) return corrupt(kWebp, "canvas area over 2^32");
  if (flags & kAnimationFlag) {
    return unsupported(kWebp, "animation (only still images are decoded)");
  }
  // Optional chunks (ICCP, ALPH, EXIF, XMP, unknown ones) come before the image frame.
  for (std::size_t at = 30; at < end;) {
    auto frame = frame_chunk(b, at, end);
    if (!frame) return frame.error();
    if (frame.value()) {
      const Frame& f = *frame.value();
      if (f.width != width || f.height != height) {
        return corrupt(kWebp, fmt::format("the canvas is {}x{} but its image is {}x{}", width,
                                          height, f.width, f.height));
      }
      return header_of(width, height, f, (flags & kAlphaFlag) != 0);
    }
    const auto size = *r.get(at + 4, 4);
    at += 8 + size + (size & 1);
  }
  return corrupt(kWebp, "no image data after the VP8X chunk");
}

}  // namespace ov::inference::probe
