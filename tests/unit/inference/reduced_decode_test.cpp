// A JPEG at least twice the model's input is decoded at 1/2, 1/4 or 1/8 of its size by the
// decoder itself; its boxes are those of the full decode, in the image's own (upright) frame.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "inference/image_decode.hpp"
#include "inference/nms.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

ImageHeader header(SourceFormat format, std::int64_t w, std::int64_t h) {
  ImageHeader hd;
  hd.format = format;
  hd.width = w;
  hd.height = h;
  return hd;
}

TEST(ReducedDecode, OnlyAJpegAtLeastTwiceTheInputIsReduced) {
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 768, 576), 640, 640), 1);
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 1279, 900), 640, 640), 1);
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 1280, 960), 640, 640), 2);
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 4032, 3024), 640, 640), 4);
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 8000, 6000), 640, 640), 8);
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 8000, 6000), 416, 416), 8);
  // A wide input: upright the letterbox scales by 320/1440, turned a quarter by 320/2560; the
  // larger (safer) scale decides: 2560x1440 at 1/4 is 640x360, still over 569x320.
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 2560, 1440), 1280, 320), 4);
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 1440, 2560), 1280, 320), 4);
  EXPECT_EQ(decode_reduction(header(SourceFormat::png, 8000, 6000), 640, 640), 1);
  EXPECT_EQ(decode_reduction(header(SourceFormat::webp, 8000, 6000), 640, 640), 1);
  EXPECT_EQ(decode_reduction(header(SourceFormat::jpeg, 0, 0), 640, 640), 1);
}

TEST(ReducedDecode, TheDecoderMakesTheReducedSize) {
  const cv::Mat big = cv::imread(test::darknet("dog.jpg").string());
  cv::Mat large;
  cv::resize(big, large, cv::Size(2304, 1728));
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", large, jpeg);
  auto hd = check_image(jpeg, 0);
  ASSERT_TRUE(hd.ok());
  auto reduced = decode_checked(jpeg, hd.value(), 0, 2);
  ASSERT_TRUE(reduced.ok()) << reduced.error().message;
  EXPECT_EQ(reduced->cols, 1152);
  EXPECT_EQ(reduced->rows, 864);
}

class ReducedDetection : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = test::load_default_engine().release(); }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(engine_, nullptr); }

  // The same photo three times its size (a phone photo's scale): reduced without annotation,
  // decoded whole with it.
  static void expect_same_boxes(const std::vector<std::uint8_t>& jpeg, int width, int height) {
    DetectOptions whole;
    whole.annotate = ImageFormat::jpeg;
    auto full = engine_->detect(jpeg, whole);
    auto reduced = engine_->detect(jpeg, {});
    ASSERT_TRUE(full.ok()) << full.error().message;
    ASSERT_TRUE(reduced.ok()) << reduced.error().message;
    EXPECT_EQ(full->width, width);
    EXPECT_EQ(full->height, height);
    EXPECT_EQ(reduced->width, width);
    EXPECT_EQ(reduced->height, height);
    ASSERT_FALSE(full->detections.empty());
    int matched = 0;
    for (const auto& f : full->detections) {
      if (f.confidence < 0.4f) continue;  // the confident ones must be found again
      bool found = false;
      for (const auto& r : reduced->detections) {
        found |= r.label == f.label && iou(r.box, f.box) > 0.9f &&
                 std::abs(r.normalized.x2 - r.box.x2 / static_cast<float>(width)) < 1e-5f;
      }
      EXPECT_TRUE(found) << f.label << " " << f.confidence;
      ++matched;
    }
    EXPECT_GT(matched, 0);
  }

  static inline Engine* engine_ = nullptr;
};

std::vector<std::uint8_t> large_dog() {
  cv::Mat large;
  cv::resize(cv::imread(test::darknet("dog.jpg").string()), large, cv::Size(2304, 1728), 0, 0,
             cv::INTER_CUBIC);
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", large, jpeg, {cv::IMWRITE_JPEG_QUALITY, 92});
  return jpeg;
}

TEST_F(ReducedDetection, BoxesOfAReducedDecodeAreThoseOfTheWholeImage) {
  expect_same_boxes(large_dog(), 2304, 1728);
}

TEST_F(ReducedDetection, AnExifTurnedPhotoKeepsItsUprightSize) {
  auto jpeg = large_dog();
  // EXIF orientation 6 (a quarter turn clockwise): the image is 1728 wide and 2304 high.
  const std::uint8_t app1[] = {0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0,    0,    'M', 'M',
                               0,    0x2A, 0,    0,    0,   8,   0,   1,   0x01, 0x12, 0,   3,
                               0,    0,    0,    1,    0,   6,   0,   0,   0,    0,    0,   0};
  jpeg.insert(jpeg.begin() + 2, std::begin(app1), std::end(app1));
  expect_same_boxes(jpeg, 1728, 2304);
}

}  // namespace
}  // namespace ov::inference
