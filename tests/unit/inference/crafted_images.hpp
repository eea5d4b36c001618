#pragma once
// Image files written byte by byte for the probe tests: headers that lie, repeat themselves or
// ask the decoder for far more than their size, next to well-formed ones. Each builder writes
// only what the test needs; OpenCV's encoders make the ordinary images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "inference/image_decode.hpp"
#include "inference/image_probe.hpp"

namespace ov::inference::test {

using Bytes = std::vector<std::uint8_t>;

inline void put(Bytes& b, std::uint64_t v, int width, bool little = true) {
  for (int i = 0; i < width; ++i) {
    const int shift = 8 * (little ? i : width - 1 - i);
    b.push_back(static_cast<std::uint8_t>(v >> shift));
  }
}
inline void put(Bytes& b, const std::string& s) {
  for (char c : s) b.push_back(static_cast<std::uint8_t>(c));  // (insert trips a GCC 12 warning)
}

inline Bytes join(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

inline Bytes encode(const cv::Mat& m, const char* ext, std::vector<int> params = {}) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(ext, m, out, params)) << ext;
  return out;
}

inline cv::Mat noise(int width, int height, int type = CV_8UC3) {
  cv::Mat m(height, width, type);
  cv::randu(m, 0, 255);
  return m;
}

// ---- TIFF -----------------------------------------------------------------------------------

struct TiffEntry {
  std::uint16_t tag, type;
  std::uint64_t count, value;  // value inline (it must fit in the entry)
};

// A grey 8-bit image of w x h, uncompressed in one strip at offset 8 (16 for BigTIFF). Its
// directory holds `first`, then ImageWidth / ImageLength (unless `sized` is false), the other
// standard entries, then `last`: libtiff keeps the first of repeated tags.
inline Bytes tiff(std::uint32_t w, std::uint32_t h, std::vector<TiffEntry> first = {},
                  std::vector<TiffEntry> last = {}, bool sized = true, bool big = false,
                  bool little = true) {
  const std::uint64_t data_at = big ? 16 : 8;
  const std::uint64_t pixels = static_cast<std::uint64_t>(w) * h;
  std::vector<TiffEntry> entries = first;
  if (sized) {
    entries.push_back({256, 4, 1, w});
    entries.push_back({257, 4, 1, h});
  }
  for (const TiffEntry& e : std::initializer_list<TiffEntry>{{258, 3, 1, 8},
                                                             {259, 3, 1, 1},
                                                             {262, 3, 1, 1},
                                                             {273, 4, 1, data_at},
                                                             {277, 3, 1, 1},
                                                             {278, 4, 1, h},
                                                             {279, 4, 1, pixels}}) {
    entries.push_back(e);
  }
  entries.insert(entries.end(), last.begin(), last.end());
  Bytes b;
  put(b, little ? "II" : "MM");
  put(b, big ? 43 : 42, 2, little);
  const std::uint64_t ifd = data_at + pixels + (pixels & 1);
  if (big) {
    put(b, 8, 2, little);
    put(b, 0, 2, little);
    put(b, ifd, 8, little);
  } else {
    put(b, ifd, 4, little);
  }
  for (std::uint64_t i = 0; i < pixels; ++i) b.push_back(static_cast<std::uint8_t>(i * 7));
  if (pixels & 1) b.push_back(0);
  put(b, entries.size(), big ? 8 : 2, little);
  for (const TiffEntry& e : entries) {
    put(b, e.tag, 2, little);
    put(b, e.type, 2, little);
    put(b, e.count, big ? 8 : 4, little);
    const int size = e.type == 3 || e.type == 8 ? 2 : e.type == 1 || e.type == 6 ? 1 : 4;
    const int field = big ? 8 : 4;
    const int width = big && (e.type == 16 || e.type == 17 || e.type == 18) ? 8 : size;
    put(b, e.value, width, little);
    for (int pad = width; pad < field; ++pad) b.push_back(0);
  }
  put(b, 0, big ? 8 : 4, little);
  return b;
}

// ---- JPEG -----------------------------------------------------------------------------------

inline void jpeg_segment(Bytes& b, std::uint8_t marker, const Bytes& payload) {
  b.push_back(0xFF);
  b.push_back(marker);
  put(b, payload.size() + 2, 2, false);
  b.insert(b.end(), payload.begin(), payload.end());
}

// Bits packed MSB first, padded with ones, 0xFF followed by a stuffed 0x00.
inline Bytes entropy_bits(const std::string& bits) {
  std::string padded = bits + std::string((8 - bits.size() % 8) % 8, '1');
  Bytes out;
  for (std::size_t i = 0; i < padded.size(); i += 8) {
    const auto byte = static_cast<std::uint8_t>(std::stoi(padded.substr(i, 8), nullptr, 2));
    out.push_back(byte);
    if (byte == 0xFF) out.push_back(0x00);
  }
  return out;
}

// A flat grey progressive JPEG (one component, up to 32767 blocks): a DC scan, then `ac_scans`
// AC scans that are each one end-of-band run over every block, so each costs libjpeg a pass
// over the whole image for a dozen bytes. `frames` SOF markers.
inline Bytes progressive_jpeg(int width, int height, int ac_scans, int frames = 1,
                              std::uint8_t sof = 0xC2) {
  const int blocks = ((width + 7) / 8) * ((height + 7) / 8);
  Bytes b = {0xFF, 0xD8};
  Bytes dqt = {0};
  dqt.insert(dqt.end(), 64, 1);
  jpeg_segment(b, 0xDB, dqt);
  for (int f = 0; f < frames; ++f) {
    Bytes frame = {8};
    put(frame, static_cast<std::uint64_t>(height), 2, false);
    put(frame, static_cast<std::uint64_t>(width), 2, false);
    for (std::uint8_t v : {1, 1, 0x11, 0}) frame.push_back(v);
    jpeg_segment(b, sof, frame);
  }
  auto huffman = [](std::uint8_t table, std::uint8_t symbol) {
    Bytes t = {table, 1};  // one code of length 1: '0'
    t.insert(t.end(), 15, 0);
    t.push_back(symbol);
    return t;
  };
  jpeg_segment(b, 0xC4, huffman(0x00, 0));  // DC difference 0 everywhere
  jpeg_segment(b, 0xDA, {1, 1, 0x00, 0, 0, 0});
  const Bytes dc = entropy_bits(std::string(static_cast<std::size_t>(blocks), '0'));
  b.insert(b.end(), dc.begin(), dc.end());
  int r = 0;
  while ((2 << r) <= blocks) ++r;  // end-of-band run of 2^r + extra blocks
  std::string ac_bits = "0";
  for (int bit = r - 1; bit >= 0; --bit) ac_bits += ((blocks - (1 << r)) >> bit) & 1 ? '1' : '0';
  jpeg_segment(b, 0xC4, huffman(0x10, static_cast<std::uint8_t>(r << 4)));
  const Bytes ac = entropy_bits(ac_bits);
  for (int s = 0; s < ac_scans; ++s) {
    jpeg_segment(b, 0xDA, {1, 1, 0x00, 1, 63, 0});
    b.insert(b.end(), ac.begin(), ac.end());
  }
  b.push_back(0xFF);
  b.push_back(0xD9);
  return b;
}

// Where the two bytes FF `marker` first occur.
inline std::size_t find_marker(const Bytes& b, std::uint8_t marker) {
  for (std::size_t i = 0; i + 1 < b.size(); ++i) {
    if (b[i] == 0xFF && b[i + 1] == marker) return i;
  }
  ADD_FAILURE() << "no marker " << int(marker);
  return 0;
}

// ---- PNG ------------------------------------------------------------------------------------

// The signature and an IHDR chunk (CRC left zero: libpng checks it, the probe does not need to).
inline Bytes png_ihdr(std::uint64_t w, std::uint64_t h, int depth = 8, int colour = 2,
                      int interlace = 0, std::uint32_t length = 13) {
  Bytes b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  put(b, length, 4, false);
  put(b, "IHDR");
  put(b, w, 4, false);
  put(b, h, 4, false);
  for (int v : {depth, colour, 0, 0, interlace}) b.push_back(static_cast<std::uint8_t>(v));
  put(b, 0, 4, false);
  return b;
}

// ---- WebP -----------------------------------------------------------------------------------

inline Bytes riff(const Bytes& chunks) {
  Bytes b;
  put(b, "RIFF");
  put(b, chunks.size() + 4, 4);
  put(b, "WEBP");
  b.insert(b.end(), chunks.begin(), chunks.end());
  return b;
}

inline Bytes vp8x_chunk(std::uint8_t flags, std::uint32_t w, std::uint32_t h) {
  Bytes c;
  put(c, "VP8X");
  put(c, 10, 4);
  put(c, flags, 4);
  put(c, w - 1, 3);
  put(c, h - 1, 3);
  return c;
}

inline Bytes chunk(const std::string& tag, const Bytes& payload) {
  Bytes c;
  put(c, tag);
  put(c, payload.size(), 4);
  c.insert(c.end(), payload.begin(), payload.end());
  if (payload.size() & 1) c.push_back(0);
  return c;
}

// The chunks of an encoded WebP, after "RIFF", its size and "WEBP".
inline Bytes webp_chunks(const Bytes& file) {
  return Bytes(file.begin() + 12, file.end());
}

// ---- BMP ------------------------------------------------------------------------------------

// A BMP of `dib` header bytes (12: OS/2 core), rows of zeros (enough for |height| <= 64).
inline Bytes bmp(std::int64_t w, std::int64_t h, int bpp = 24, std::uint32_t compression = 0,
                 std::uint32_t dib = 40) {
  const std::uint64_t pitch = ((static_cast<std::uint64_t>(w < 0 ? -w : w) * bpp + 31) / 32) * 4;
  const std::uint64_t rows = static_cast<std::uint64_t>(std::min<std::int64_t>(h < 0 ? 64 : h, 64));
  const std::uint64_t palette = bpp <= 8 ? (4ull << bpp) : 0;
  Bytes header;
  put(header, dib, 4);
  if (dib == 12) {
    put(header, static_cast<std::uint64_t>(w), 2);
    put(header, static_cast<std::uint64_t>(h), 2);
    put(header, 1, 2);
    put(header, static_cast<std::uint64_t>(bpp), 2);
  } else {
    put(header, static_cast<std::uint64_t>(w), 4);
    put(header, static_cast<std::uint64_t>(h), 4);
    put(header, 1, 2);
    put(header, static_cast<std::uint64_t>(bpp), 2);
    put(header, compression, 4);
    header.resize(std::max<std::size_t>(dib, 16), 0);
  }
  const std::uint64_t offset = 14 + header.size() + palette;
  Bytes b;
  put(b, "BM");
  put(b, offset + pitch * rows, 4);
  put(b, 0, 4);
  put(b, offset, 4);
  b.insert(b.end(), header.begin(), header.end());
  b.resize(b.size() + palette + pitch * rows, 0);
  return b;
}

// ---- checks ---------------------------------------------------------------------------------

// The probe refuses `bytes` with `code` and a message containing `text`.
inline void expect_refused(const Bytes& bytes, Errc code, const std::string& text,
                           std::int64_t max_pixels = 40'000'000) {
  auto header = check_image(bytes, max_pixels);
  ASSERT_FALSE(header.ok()) << text << ": accepted as " << header->width << "x" << header->height;
  EXPECT_EQ(header.error().code, code) << header.error().message;
  EXPECT_NE(header.error().message.find(text), std::string::npos) << header.error().message;
}

// The probe accepts `bytes` as w x h, and OpenCV decodes it to that size.
inline void expect_decodes(const Bytes& bytes, std::int64_t w, std::int64_t h) {
  auto header = check_image(bytes, 40'000'000);
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->width, w);
  EXPECT_EQ(header->height, h);
  auto image = decode_image(bytes, 40'000'000);
  ASSERT_TRUE(image.ok()) << image.error().message;
  EXPECT_EQ(image->cols, w);
  EXPECT_EQ(image->rows, h);
}

}  // namespace ov::inference::test
