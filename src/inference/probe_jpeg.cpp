// JPEG, read as libjpeg-turbo 2.1 reads it (jdmarker.c): markers are found the way its
// next_marker() finds them (anything up to an 0xFF is skipped, fill bytes too, FF00 is stuffed
// data), which also walks the entropy-coded data of every scan up to EOI. The frame header is
// the first SOF; libjpeg refuses a second one, and so do we. Scans and markers are counted:
// each progressive scan makes libjpeg pass over the whole image, so a small file of thousands
// of near-empty scans costs minutes of CPU.
#include <fmt/format.h>

#include "inference/probe_formats.hpp"

namespace ov::inference::probe {
namespace {

constexpr auto kJpeg = SourceFormat::jpeg;

bool is_sof(std::uint8_t m) {
  return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
}
// Baseline, extended, progressive; arithmetic sequential and progressive. Lossless and
// hierarchical frames (SOF3, 5-7, 11, 13-15) make libjpeg-turbo 2.1 fail.
bool decodable_sof(std::uint8_t m) {
  return m == 0xC0 || m == 0xC1 || m == 0xC2 || m == 0xC9 || m == 0xCA;
}
bool progressive_sof(std::uint8_t m) {
  return m == 0xC2 || m == 0xCA;
}

struct Frame {
  std::uint8_t marker = 0;
  std::int64_t width = 0, height = 0;
  int components = 0;
};

Result<Frame> read_frame(std::uint8_t marker, Bytes seg) {
  if (!decodable_sof(marker)) {
    return unsupported(kJpeg, fmt::format("lossless or hierarchical frame (SOF{})", marker - 0xC0));
  }
  if (seg.size() < 6) return corrupt(kJpeg, "short frame header");
  const Reader r(seg, false);
  Frame f{marker, static_cast<std::int64_t>(*r.get(3, 2)), static_cast<std::int64_t>(*r.get(1, 2)),
          seg[5]};
  if (seg[0] != 8) return unsupported(kJpeg, fmt::format("{}-bit samples", seg[0]));
  if (f.components != 1 && f.components != 3 && f.components != 4) {
    return unsupported(kJpeg, fmt::format("{} colour components", f.components));
  }
  if (seg.size() != 6 + 3 * static_cast<std::size_t>(f.components)) {
    return corrupt(kJpeg, "frame header length does not match its components");
  }
  for (int c = 0; c < f.components; ++c) {
    const int h = seg[7 + 3 * c] >> 4, v = seg[7 + 3 * c] & 15;
    if (h < 1 || h > 4 || v < 1 || v > 4) return corrupt(kJpeg, "bad sampling factors");
  }
  if (f.width == 0 || f.height == 0) return corrupt(kJpeg, "zero width or height");
  if (f.width > kMaxJpegSide || f.height > kMaxJpegSide) {
    return unsupported(kJpeg, fmt::format("{}x{} is over libjpeg's {} pixels a side", f.width,
                                          f.height, kMaxJpegSide));
  }
  return f;
}

// libjpeg's next_marker(): the position just past the next marker byte, or nullopt at the end.
// Stuffed zeros (FF00), restart markers and TEM have no segment and belong to the data.
std::optional<std::size_t> next_marker(Bytes b, std::size_t pos) {
  for (;;) {
    while (pos < b.size() && b[pos] != 0xFF) ++pos;
    while (pos < b.size() && b[pos] == 0xFF) ++pos;
    if (pos >= b.size()) return std::nullopt;
    const std::uint8_t m = b[pos++];
    if (m != 0x00 && m != 0x01 && (m < 0xD0 || m > 0xD7)) return pos;
  }
}

}  // namespace

Result<ImageHeader> probe_jpeg(Bytes b) {
  const Reader r(b, false);
  std::optional<Frame> frame;
  int scans = 0, markers = 0;
  std::size_t pos = 2;  // after SOI
  for (;;) {
    auto at = next_marker(b, pos);
    if (!at) return corrupt(kJpeg, "truncated (no end-of-image marker)");
    pos = *at;
    const std::uint8_t marker = b[pos - 1];
    if (++markers > kMaxJpegMarkers) {
      return refused(kJpeg, fmt::format("more than {} markers", kMaxJpegMarkers));
    }
    if (marker == 0xD8) return corrupt(kJpeg, "a second start-of-image marker");
    if (marker == 0xD9) break;
    const auto length = r.get(pos, 2);
    if (!length) return corrupt(kJpeg, "truncated segment");
    if (*length < 2) return corrupt(kJpeg, "bad segment length");
    if (!r.has(pos, *length)) return corrupt(kJpeg, "truncated segment");
    const Bytes seg = b.subspan(pos + 2, *length - 2);
    pos += *length;
    if (is_sof(marker)) {
      if (frame) return corrupt(kJpeg, "more than one frame header (SOF)");
      auto f = read_frame(marker, seg);
      if (!f) return f.error();
      frame = f.value();
    } else if (marker == 0xDA) {
      if (!frame) return corrupt(kJpeg, "scan before the frame header");
      if (++scans > kMaxJpegScans) {
        return refused(kJpeg, fmt::format("more than {} scans (each one decodes the whole image "
                                          "again: a progressive-JPEG bomb)",
                                          kMaxJpegScans));
      }
      if (seg.empty() || seg[0] < 1 || seg[0] > 4 ||
          seg.size() != 4 + 2 * static_cast<std::size_t>(seg[0])) {
        return corrupt(kJpeg, "bad scan header");
      }
    }
  }
  if (!frame) return corrupt(kJpeg, "no frame header");
  if (scans == 0) return corrupt(kJpeg, "no scan data");
  ImageHeader h{SourceFormat::jpeg, frame->width, frame->height, 0};
  // Progressive and multi-scan images are buffered whole as DCT coefficients (2 bytes each,
  // plus padding to whole blocks); a single sequential scan is decoded a few rows at a time.
  if (progressive_sof(frame->marker) || scans > 1) {
    const std::int64_t samples = std::int64_t{frame->components} * (frame->width + 32);
    h.decoder_bytes = 2 * samples * (frame->height + 32);
  }
  return h;
}

}  // namespace ov::inference::probe
