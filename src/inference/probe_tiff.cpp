// TIFF and BigTIFF, read as libtiff 4.5 and OpenCV 4.6 read them. cv::imdecode decodes the
// first directory (IFD 0) only: it calls readHeader and readData once, and only imreadmulti
// moves on to the next page, so IFD 0 is the one directory that counts. libtiff marks every
// repeated tag of a directory as ignored, so the FIRST occurrence of a tag wins (a file whose
// first ImageWidth says 32000 and a later one says 1 is 32000 wide). It refuses directories of
// more than 4096 entries, reads ImageWidth, ImageLength, RowsPerStrip and the tile sides as one
// unsigned 32-bit value of any integer type (count 1, no negative or wider values), and
// SamplesPerPixel / BitsPerSample as 16-bit values (BitsPerSample once, or once per sample, all
// equal). BigTIFF (version 43: 8-byte counts and offsets, 20-byte entries) is probed too:
// libtiff and OpenCV 4.6 decode it, and the directory walk is the same with wider fields.
//
// OpenCV decodes a strip or a tile at a time into a 32-bit RGBA buffer, after libtiff has read
// the raw tile: a 16x16 image declaring 16384x16384 tiles made it allocate about 1 GB. Tiles
// larger than the image (rounded up to 16, TIFF's tile granularity) and over a megapixel are
// refused; strips are clamped to the image height by OpenCV.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <limits>

#include "inference/probe_formats.hpp"

namespace ov::inference::probe {
namespace {

constexpr auto kTiff = SourceFormat::tiff;

enum Slot { kWidth, kLength, kBitsPerSample, kSamplesPerPixel, kRowsPerStrip, kTileW, kTileL };
constexpr std::array<std::uint16_t, 7> kTags = {256, 257, 258, 277, 278, 322, 323};
constexpr std::array<const char*, 7> kNames = {"ImageWidth",      "ImageLength",  "BitsPerSample",
                                               "SamplesPerPixel", "RowsPerStrip", "TileWidth",
                                               "TileLength"};

struct Entry {
  std::uint16_t type = 0;
  std::uint64_t count = 0;
  std::uint64_t field = 0;  // offset of the value / offset field
};

// Byte size of the integer types libtiff converts from; 0 for any other type.
int integer_size(std::uint16_t type) {
  switch (type) {
    case 1:  // BYTE
    case 6:  // SBYTE
      return 1;
    case 3:  // SHORT
    case 8:  // SSHORT
      return 2;
    case 4:   // LONG
    case 9:   // SLONG
    case 13:  // IFD
      return 4;
    case 16:  // LONG8
    case 17:  // SLONG8
    case 18:  // IFD8
      return 8;
    default:
      return 0;
  }
}
bool is_signed(std::uint16_t type) {
  return type == 6 || type == 8 || type == 9 || type == 17;
}

std::uint64_t mul_sat(std::uint64_t a, std::uint64_t b) {
  constexpr auto kMax = std::numeric_limits<std::uint64_t>::max();
  return (a != 0 && b > kMax / a) ? kMax : a * b;
}

class Directory {
 public:
  Directory(const Reader& r, bool big) : r_(r), big_(big) {}

  Result<void> read(std::uint64_t at) {
    const int count_size = big_ ? 8 : 2, entry_size = big_ ? 20 : 12;
    const auto count = r_.get(at, count_size);
    if (!count) return corrupt(kTiff, "the first directory is past the end of the file");
    if (*count == 0) return corrupt(kTiff, "an empty directory");
    if (*count > static_cast<std::uint64_t>(kMaxTiffEntries)) {
      return refused(kTiff, fmt::format("{} directory entries, libtiff reads at most {}", *count,
                                        kMaxTiffEntries));
    }
    const std::uint64_t first = at + count_size;
    if (!r_.has(first, *count * entry_size)) return corrupt(kTiff, "truncated directory");
    for (std::uint64_t i = 0; i < *count; ++i) {
      const std::uint64_t e = first + i * entry_size;
      const auto tag = *r_.get(e, 2);
      const auto* it = std::find(kTags.begin(), kTags.end(), tag);
      if (it == kTags.end()) continue;
      auto& slot = entries_[static_cast<std::size_t>(it - kTags.begin())];
      if (slot) continue;  // a repeated tag is ignored, as libtiff does: the first one wins
      slot = Entry{static_cast<std::uint16_t>(*r_.get(e + 2, 2)), *r_.get(e + 4, big_ ? 8 : 4),
                   e + (big_ ? 12 : 8)};
    }
    return {};
  }

  bool has(Slot s) const { return entries_[s].has_value(); }

  // Value `index` of the tag, as an unsigned integer no larger than `max`.
  Result<std::uint64_t> value(Slot s, std::uint64_t index, std::uint64_t max) const {
    const Entry& e = *entries_[s];
    const int size = integer_size(e.type);
    if (size == 0) return corrupt(kTiff, fmt::format("{} has type {}", kNames[s], e.type));
    if (index >= e.count) return corrupt(kTiff, fmt::format("{} has too few values", kNames[s]));
    const std::uint64_t total = mul_sat(e.count, static_cast<std::uint64_t>(size));
    const std::uint64_t inline_size = big_ ? 8 : 4;
    std::uint64_t at = e.field;
    if (total > inline_size) at = *r_.get(e.field, big_ ? 8 : 4);
    if (!r_.has(at, total)) return corrupt(kTiff, fmt::format("{} is past the end", kNames[s]));
    std::uint64_t v = *r_.get(at + index * size, size);
    if (is_signed(e.type) && size < 8 && (v >> (8 * size - 1)) != 0) v |= ~0ULL << (8 * size);
    const bool negative = is_signed(e.type) && static_cast<std::int64_t>(v) < 0;
    if (negative || v > max) {
      return corrupt(kTiff, fmt::format("{} is out of range", kNames[s]));
    }
    return v;
  }

  // A tag that must hold exactly one value (libtiff fails the directory otherwise).
  Result<std::uint64_t> scalar(Slot s, std::uint64_t max) const {
    if (entries_[s]->count != 1) {
      return corrupt(kTiff, fmt::format("{} has {} values", kNames[s], entries_[s]->count));
    }
    return value(s, 0, max);
  }

  // BitsPerSample: one value, or one per sample, all equal.
  Result<std::uint64_t> per_sample(Slot s, std::uint64_t samples) const {
    const std::uint64_t count = entries_[s]->count;
    if (count == 1) return value(s, 0, 0xFFFF);
    if (count < samples) return corrupt(kTiff, fmt::format("{} has too few values", kNames[s]));
    auto first = value(s, 0, 0xFFFF);
    if (!first) return first;
    for (std::uint64_t i = 1; i < samples; ++i) {
      auto v = value(s, i, 0xFFFF);
      if (!v) return v;
      if (v.value() != first.value()) {
        return unsupported(kTiff, fmt::format("{} differs between samples", kNames[s]));
      }
    }
    return first;
  }

 private:
  const Reader& r_;
  bool big_;
  std::array<std::optional<Entry>, 7> entries_{};
};

// The strip or tile that OpenCV decodes at a time: its width and height.
Result<std::pair<std::uint64_t, std::uint64_t>> block_size(const Directory& d, std::uint64_t w,
                                                           std::uint64_t h) {
  constexpr std::uint64_t kU32 = 0xFFFFFFFF;
  if (!d.has(kTileW) && !d.has(kTileL)) {
    std::uint64_t rows = h;
    if (d.has(kRowsPerStrip)) {
      auto rps = d.scalar(kRowsPerStrip, kU32);
      if (!rps) return rps.error();
      if (rps.value() == 0) return corrupt(kTiff, "RowsPerStrip is zero");
      rows = std::min(rps.value(), h);
    }
    return std::pair{w, rows};
  }
  if (!d.has(kTileW) || !d.has(kTileL)) return corrupt(kTiff, "a tile side is missing");
  auto tw = d.scalar(kTileW, kU32);
  if (!tw) return tw.error();
  auto tl = d.scalar(kTileL, kU32);
  if (!tl) return tl.error();
  if (tw.value() == 0 || tl.value() == 0) return corrupt(kTiff, "a tile side is zero");
  const auto round16 = [](std::uint64_t v) { return (v + 15) / 16 * 16; };
  const std::uint64_t bound = std::max<std::uint64_t>(1 << 20, round16(w) * round16(h));
  if (tw.value() > (1 << 24) || tl.value() > (1 << 24) || tw.value() * tl.value() > bound) {
    return refused(kTiff,
                   fmt::format("tiles of {}x{} for a {}x{} image", tw.value(), tl.value(), w, h));
  }
  return std::pair{tw.value(), tl.value()};
}

}  // namespace

Result<ImageHeader> probe_tiff(Bytes b) {
  const Reader r(b, b[0] == 'I');
  const bool big = *r.get(2, 2) == 43;
  std::uint64_t ifd = 0;
  if (big) {
    if (!r.has(0, 16)) return corrupt(kTiff, "truncated BigTIFF header");
    if (*r.get(4, 2) != 8 || *r.get(6, 2) != 0) return corrupt(kTiff, "bad BigTIFF header");
    ifd = *r.get(8, 8);
  } else {
    if (!r.has(0, 8)) return corrupt(kTiff, "truncated header");
    ifd = *r.get(4, 4);
  }
  if (ifd == 0) return corrupt(kTiff, "no directory");
  Directory d(r, big);
  if (auto read = d.read(ifd); !read) return read.error();
  if (!d.has(kWidth) || !d.has(kLength)) return corrupt(kTiff, "no image size");
  constexpr std::uint64_t kU32 = 0xFFFFFFFF;
  auto w = d.scalar(kWidth, kU32);
  if (!w) return w.error();
  auto h = d.scalar(kLength, kU32);
  if (!h) return h.error();
  if (w.value() == 0 || h.value() == 0) return corrupt(kTiff, "zero width or height");

  std::uint64_t samples = 1, bits = 1;
  if (d.has(kSamplesPerPixel)) {
    auto spp = d.scalar(kSamplesPerPixel, 0xFFFF);
    if (!spp) return spp.error();
    samples = spp.value();
  }
  if (samples < 1 || samples > 4) {
    return unsupported(kTiff, fmt::format("{} samples per pixel (OpenCV reads 1 to 4)", samples));
  }
  if (d.has(kBitsPerSample)) {
    auto bps = d.per_sample(kBitsPerSample, samples);
    if (!bps) return bps.error();
    bits = bps.value();
  }
  if (bits < 1 || bits > 64) return unsupported(kTiff, fmt::format("{} bits per sample", bits));

  auto block = block_size(d, w.value(), h.value());
  if (!block) return block.error();
  const auto [bw, bh] = block.value();
  ImageHeader header{kTiff, static_cast<std::int64_t>(w.value()),
                     static_cast<std::int64_t>(h.value()), 0};
  // libtiff's raw strip / tile plus OpenCV's RGBA copy of it.
  const std::uint64_t bytes = mul_sat(mul_sat(bw, bh), 4 + samples * ((bits + 7) / 8));
  header.decoder_bytes = static_cast<std::int64_t>(std::min<std::uint64_t>(bytes, 1ULL << 62));
  return header;
}

}  // namespace ov::inference::probe
