// Decoding: every format and pixel layout we accept, the header probe, and clear errors for
// bad inputs (empty, truncated, decompression bombs, not an image).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "inference/image_decode.hpp"
#include "inference/image_probe.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

using test::darknet;
using test::read_bytes;

std::vector<std::uint8_t> encode(const cv::Mat& m, const char* ext, std::vector<int> params = {}) {
  std::vector<std::uint8_t> out;
  EXPECT_TRUE(cv::imencode(ext, m, out, params)) << ext;
  return out;
}

cv::Mat dog() {
  return cv::imread(darknet("dog.jpg").string(), cv::IMREAD_COLOR);
}

TEST(ImageProbe, ReadsTheSizeOfEveryFormatFromItsHeader) {
  const cv::Mat m = dog()(cv::Rect(0, 0, 301, 207));
  const std::pair<const char*, std::vector<int>> cases[] = {
      {".jpg", {}},
      {".png", {}},
      {".webp", {cv::IMWRITE_WEBP_QUALITY, 80}},
      {".webp", {cv::IMWRITE_WEBP_QUALITY, 101}},  // lossless: VP8L
      {".bmp", {}},
      {".tiff", {}}};
  for (const auto& [ext, params] : cases) {
    auto header = probe_image(encode(m, ext, params));
    ASSERT_TRUE(header.ok()) << ext << ": " << header.error().message;
    EXPECT_EQ(header->width, 301) << ext;
    EXPECT_EQ(header->height, 207) << ext;
  }
}

TEST(ImageDecode, EveryFormatAndPixelLayoutBecomesBgr) {
  const cv::Mat m = dog();
  cv::Mat gray, bgra, wide;
  cv::cvtColor(m, gray, cv::COLOR_BGR2GRAY);
  cv::cvtColor(m, bgra, cv::COLOR_BGR2BGRA);
  m.convertTo(wide, CV_16UC3, 257.0);
  const std::pair<std::string, std::vector<std::uint8_t>> cases[] = {
      {"jpeg", read_bytes(darknet("dog.jpg"))},
      {"png", encode(m, ".png")},
      {"webp", encode(m, ".webp")},
      {"bmp", encode(m, ".bmp")},
      {"tiff", encode(m, ".tiff")},
      {"grayscale png", encode(gray, ".png")},
      {"grayscale jpeg", encode(gray, ".jpg")},
      {"png with alpha", encode(bgra, ".png")},
      {"16-bit png", encode(wide, ".png")},
      {"16-bit tiff", encode(wide, ".tiff")},
  };
  for (const auto& [name, bytes] : cases) {
    auto image = decode_image(bytes, 40'000'000);
    ASSERT_TRUE(image.ok()) << name << ": " << image.error().message;
    EXPECT_EQ(image->cols, 768) << name;
    EXPECT_EQ(image->rows, 576) << name;
    EXPECT_EQ(image->type(), CV_8UC3) << name;
  }
  // Lossless inputs decode to the very pixels (16-bit ones scaled back to 8 bits).
  auto from_png = decode_image(encode(m, ".png"), 0);
  auto from_wide = decode_image(encode(wide, ".png"), 0);
  ASSERT_TRUE(from_png.ok() && from_wide.ok());
  EXPECT_EQ(cv::norm(from_png.value(), m, cv::NORM_INF), 0.0);
  EXPECT_LE(cv::norm(from_wide.value(), m, cv::NORM_INF), 1.0);
}

std::vector<std::uint8_t> png_header(std::uint32_t w, std::uint32_t h) {
  std::vector<std::uint8_t> b = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n',
                                 0,    0,   0,   13,  'I',  'H',  'D',  'R'};
  for (std::uint32_t v : {w, h}) {
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<std::uint8_t>(v >> s));
  }
  for (std::uint8_t v : {8, 2, 0, 0, 0, 0, 0, 0, 0}) b.push_back(v);  // depth, colour, ..., crc
  return b;
}

TEST(ImageDecode, BadInputsGiveClearErrors) {
  const auto jpeg = read_bytes(darknet("dog.jpg"));
  struct Case {
    const char* name;
    std::vector<std::uint8_t> bytes;
    Errc code;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"empty", {}, Errc::invalid_argument, "empty"},
      {"truncated jpeg",
       {jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() * 6 / 10)},
       Errc::invalid_argument,
       "truncated"},
      {"jpeg header only", {jpeg.begin(), jpeg.begin() + 100}, Errc::invalid_argument, "JPEG"},
      {"png bomb 50000x50000", png_header(50000, 50000), Errc::too_large, "50000x50000"},
      {"png header without data", png_header(64, 64), Errc::invalid_argument, "PNG"},
      {"text",
       {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd'},
       Errc::unsupported,
       "not an image"},
      {"zero png", png_header(0, 10), Errc::invalid_argument, "zero"},
  };
  for (const auto& c : cases) {
    auto image = decode_image(c.bytes, 40'000'000);
    ASSERT_FALSE(image.ok()) << c.name;
    EXPECT_EQ(image.error().code, c.code) << c.name << ": " << image.error().message;
    EXPECT_NE(image.error().message.find(c.message), std::string::npos)
        << c.name << ": " << image.error().message;
  }
}

TEST(ImageDecode, PixelLimitIsCheckedBeforeDecoding) {
  const auto jpeg = read_bytes(darknet("dog.jpg"));  // 768 x 576 = 442368 pixels
  EXPECT_TRUE(decode_image(jpeg, 442368).ok());
  auto refused = decode_image(jpeg, 442367);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::too_large);
}

}  // namespace
}  // namespace ov::inference
