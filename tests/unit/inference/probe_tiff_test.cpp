// TIFF headers read as libtiff reads them: the first of repeated tags, IFD 0, bounded
// directories, BigTIFF, every integer type for the sizes, sane samples and tiles.
#include "crafted_images.hpp"

namespace ov::inference {
namespace {

using namespace test;

TEST(ProbeTiff, TheFirstOfRepeatedSizeTagsWinsAsInLibtiff) {
  // The attack: the first ImageWidth / ImageLength say 32000 x 32000, later copies say 1 x 1.
  // libtiff keeps the first, so the decoder would allocate 32000 x 32000 x 3 bytes (3 GB).
  const Bytes lying =
      tiff(1, 1, {{256, 4, 1, 32000}, {257, 4, 1, 32000}, {256, 4, 1, 1}, {257, 4, 1, 1}}, {},
           /*sized=*/false);
  expect_refused(lying, Errc::too_large, "32000x32000");
  // The other way round the image is the first size, and the decoder agrees.
  expect_decodes(tiff(64, 48, {}, {{256, 4, 1, 8}, {257, 4, 1, 8}}), 64, 48);
  expect_decodes(tiff(8, 8, {}, {{256, 4, 1, 64}, {257, 4, 1, 48}}), 8, 8);
}

TEST(ProbeTiff, SizesOfEveryIntegerTypeAndByteOrder) {
  expect_decodes(tiff(40, 30), 40, 30);
  expect_decodes(tiff(40, 30, {}, {}, true, false, /*little=*/false), 40, 30);
  for (std::uint16_t type : {1, 3, 4, 6, 8, 9}) {  // BYTE SHORT LONG SBYTE SSHORT SLONG
    expect_decodes(tiff(40, 30, {{256, type, 1, 40}, {257, type, 1, 30}}, {}, false), 40, 30);
  }
  expect_refused(tiff(40, 30, {{256, 9, 1, 0xFFFFFFC0}, {257, 4, 1, 30}}, {}, false),
                 Errc::invalid_argument, "ImageWidth is out of range");  // SLONG -64
  expect_refused(tiff(40, 30, {{256, 3, 2, 40}, {257, 4, 1, 30}}, {}, false),
                 Errc::invalid_argument, "ImageWidth has 2 values");
  expect_refused(tiff(40, 30, {{256, 11, 1, 40}, {257, 4, 1, 30}}, {}, false),
                 Errc::invalid_argument, "ImageWidth has type 11");  // FLOAT
  expect_refused(tiff(40, 30, {{257, 4, 1, 30}}, {}, false), Errc::invalid_argument,
                 "no image size");
  expect_refused(tiff(40, 30, {{256, 4, 1, 0}, {257, 4, 1, 30}}, {}, false), Errc::invalid_argument,
                 "zero width");
}

TEST(ProbeTiff, BigTiffIsProbedLikeClassicTiff) {
  // OpenCV 4.6 with libtiff 4.5 decodes BigTIFF, so it is read here, with its wider fields.
  expect_decodes(tiff(24, 16, {}, {}, true, /*big=*/true), 24, 16);
  expect_decodes(tiff(24, 16, {{256, 16, 1, 24}, {257, 16, 1, 16}}, {}, false, true), 24, 16);
  const Bytes lying =
      tiff(1, 1, {{256, 16, 1, 32000}, {257, 16, 1, 32000}, {256, 16, 1, 1}, {257, 16, 1, 1}}, {},
           false, true);
  expect_refused(lying, Errc::too_large, "32000x32000");
  Bytes bad = tiff(24, 16, {}, {}, true, true);
  bad[4] = 4;  // 4-byte offsets: not a BigTIFF libtiff reads
  expect_refused(bad, Errc::invalid_argument, "bad BigTIFF header");
}

TEST(ProbeTiff, DirectoriesAreBounded) {
  Bytes b = {'I', 'I', 42, 0, 8, 0, 0, 0};
  put(b, 5000, 2);  // libtiff refuses more than 4096 entries
  b.resize(b.size() + 5000 * 12, 0);
  expect_refused(b, Errc::invalid_argument, "5000 directory entries");
  Bytes truncated = tiff(40, 30);
  truncated.resize(truncated.size() - 20);
  expect_refused(truncated, Errc::invalid_argument, "truncated directory");
  expect_refused({'I', 'I', 42, 0, 0xFF, 0xFF, 0, 0}, Errc::invalid_argument, "past the end");
  expect_refused({'I', 'I', 42, 0, 0, 0, 0, 0}, Errc::invalid_argument, "no directory");
}

TEST(ProbeTiff, SamplesAndBitsPerSampleAreSane) {
  expect_refused(tiff(8, 8, {{277, 3, 1, 5}}), Errc::invalid_argument, "5 samples per pixel");
  expect_refused(tiff(8, 8, {{277, 3, 1, 0}}), Errc::invalid_argument, "0 samples per pixel");
  expect_refused(tiff(8, 8, {{258, 3, 1, 128}}), Errc::invalid_argument, "128 bits per sample");
  // Later copies change nothing.
  expect_decodes(tiff(8, 8, {}, {{277, 3, 1, 5}, {258, 3, 1, 128}}), 8, 8);
}

TEST(ProbeTiff, TilesLargerThanTheImageAreRefused) {
  // A 16 x 16 image declaring 16384 x 16384 tiles made OpenCV allocate about 1 GB.
  expect_refused(
      tiff(16, 16, {{322, 4, 1, 16384}, {323, 4, 1, 16384}, {324, 4, 1, 8}, {325, 4, 1, 256}}),
      Errc::invalid_argument, "tiles of 16384x16384 for a 16x16 image");
  expect_refused(tiff(16, 16, {{322, 4, 1, 16}}), Errc::invalid_argument, "tile side is missing");
  auto ordinary = check_image(tiff(16, 16, {{322, 4, 1, 256}, {323, 4, 1, 256}}), 0);
  ASSERT_TRUE(ordinary.ok()) << ordinary.error().message;  // a usual tile on a small image
  // Strips taller than the image are clamped to it, as OpenCV does.
  auto strips = check_image(tiff(16, 16), 0);
  auto tall = check_image(tiff(16, 16, {{278, 4, 1, 1u << 30}}), 0);
  ASSERT_TRUE(strips.ok() && tall.ok());
  EXPECT_EQ(tall->decoder_bytes, strips->decoder_bytes);
  expect_refused(tiff(16, 16, {{278, 4, 1, 0}}), Errc::invalid_argument, "RowsPerStrip is zero");
}

TEST(ProbeTiff, OrdinaryTiffsFromOpenCv) {
  const cv::Mat m = noise(61, 37);
  expect_decodes(encode(m, ".tiff"), 61, 37);
  cv::Mat wide;
  m.convertTo(wide, CV_16UC3, 257.0);
  expect_decodes(encode(wide, ".tiff"), 61, 37);
  expect_decodes(encode(noise(61, 37, CV_8UC1), ".tiff"), 61, 37);
  expect_decodes(encode(noise(61, 37, CV_8UC4), ".tiff"), 61, 37);
}

}  // namespace
}  // namespace ov::inference
