// JPEG headers read as libjpeg reads them: markers found as its next_marker() finds them, the
// entropy-coded data walked to EOI, one frame header, and bounds on scans and markers.
#include "crafted_images.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

using namespace test;

TEST(ProbeJpeg, ManyProgressiveScansAreRefused) {
  // Each AC scan is a dozen bytes but makes libjpeg pass over the whole image: 20000 of them
  // on a 1448 x 1448 image took 10 s to decode here.
  expect_decodes(progressive_jpeg(1448, 1448, kMaxJpegScans - 1), 1448, 1448);  // + 1 DC scan
  expect_refused(progressive_jpeg(1448, 1448, kMaxJpegScans), Errc::invalid_argument,
                 "more than 100 scans");
  expect_refused(progressive_jpeg(1448, 1448, 20000), Errc::invalid_argument, "scans");
  auto header = check_image(progressive_jpeg(64, 48, 3), 0);
  ASSERT_TRUE(header.ok());
  EXPECT_GT(header->decoder_bytes, 2 * 64 * 48);  // the whole image buffered as coefficients
}

TEST(ProbeJpeg, OneFrameHeaderTheFirstOne) {
  expect_refused(progressive_jpeg(64, 64, 1, /*frames=*/2), Errc::invalid_argument,
                 "more than one frame header");
  expect_refused(progressive_jpeg(64, 64, 1, 1, 0xC3), Errc::invalid_argument, "SOF3");
  Bytes twelve_bit = progressive_jpeg(64, 64, 1);
  twelve_bit[find_marker(twelve_bit, 0xC2) + 4] = 12;
  expect_refused(twelve_bit, Errc::invalid_argument, "12-bit samples");
}

TEST(ProbeJpeg, MarkersAreFoundAsLibjpegFindsThem) {
  const Bytes jpeg = progressive_jpeg(64, 48, 1);
  const auto sof = static_cast<long>(find_marker(jpeg, 0xC2));
  // Stray bytes between segments: libjpeg skips them with a warning, and so do we.
  Bytes garbage(jpeg.begin(), jpeg.begin() + sof);
  for (int v : {0x6A, 0x75, 0x6E, 0x6B, 0x00, 0xFF, 0x00})
    garbage.push_back(static_cast<std::uint8_t>(v));
  garbage.insert(garbage.end(), jpeg.begin() + sof, jpeg.end());
  expect_decodes(garbage, 64, 48);
  // A frame header hidden in those stray bytes is a frame header to libjpeg too.
  Bytes hidden(jpeg.begin(), jpeg.begin() + sof);
  for (int v : {0x78, 0xFF, 0xC0, 0, 11, 8, 0, 16, 0, 16, 1, 1, 0x11, 0}) {
    hidden.push_back(static_cast<std::uint8_t>(v));
  }
  hidden.insert(hidden.end(), jpeg.begin() + sof, jpeg.end());
  expect_refused(hidden, Errc::invalid_argument, "more than one frame header");
  // Restart markers and stuffed bytes inside the scans, from OpenCV's encoder.
  expect_decodes(encode(noise(333, 97), ".jpg", {cv::IMWRITE_JPEG_RST_INTERVAL, 2}), 333, 97);
}

TEST(ProbeJpeg, MarkersAreBounded) {
  const Bytes jpeg = progressive_jpeg(64, 48, 1);
  Bytes many = {0xFF, 0xD8};
  for (int i = 0; i < kMaxJpegMarkers; ++i) jpeg_segment(many, 0xFE, {'c'});  // comments
  many.insert(many.end(), jpeg.begin() + 2, jpeg.end());
  expect_refused(many, Errc::invalid_argument, "more than 2000 markers");
}

TEST(ProbeJpeg, TruncatedAndMalformedFilesAreRefused) {
  const Bytes jpeg = read_bytes(darknet("dog.jpg"));
  expect_refused(Bytes(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() / 2)),
                 Errc::invalid_argument, "truncated");
  expect_refused({0xFF, 0xD8, 0xFF, 0xD9}, Errc::invalid_argument, "no frame header");
  expect_refused({0xFF, 0xD8, 0xFF, 0xD8, 0xFF, 0xD9}, Errc::invalid_argument,
                 "a second start-of-image");
  Bytes zero_height = progressive_jpeg(64, 48, 1);
  const std::size_t sof = find_marker(zero_height, 0xC2);
  zero_height[sof + 5] = zero_height[sof + 6] = 0;
  expect_refused(zero_height, Errc::invalid_argument, "zero width or height");
}

TEST(ProbeJpeg, OrdinaryJpegs) {
  expect_decodes(read_bytes(darknet("dog.jpg")), 768, 576);
  expect_decodes(encode(noise(129, 65), ".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), 129, 65);
  expect_decodes(encode(noise(129, 65, CV_8UC1), ".jpg"), 129, 65);
}

}  // namespace
}  // namespace ov::inference
