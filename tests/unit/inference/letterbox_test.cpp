// Letterbox geometry and the way back, against a naive reference of Ultralytics' rules.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "inference/letterbox.hpp"
#include "inference/preprocess.hpp"

namespace ov::inference {
namespace {

// Python's round(): to the nearest, ties to even.
int python_round(double v) {
  const double f = std::floor(v);
  const double diff = v - f;
  if (diff > 0.5) return static_cast<int>(f) + 1;
  if (diff < 0.5) return static_cast<int>(f);
  return static_cast<int>(f) % 2 == 0 ? static_cast<int>(f) : static_cast<int>(f) + 1;
}

TEST(Letterbox, TableDriven) {
  struct Case {
    int w, h, s;
    int rw, rh, left, top;
  };
  const Case cases[] = {
      {768, 576, 640, 640, 480, 0, 80}, {576, 768, 640, 480, 640, 80, 0},
      {640, 640, 640, 640, 640, 0, 0},  {1352, 900, 416, 416, 277, 0, 69},
      {100, 50, 416, 416, 208, 0, 104}, {773, 512, 640, 640, 424, 0, 108},
      {1, 1000, 320, 1, 320, 159, 0},   {3, 2, 5, 5, 3, 0, 1},
  };
  for (const auto& c : cases) {
    const Letterbox lb = compute_letterbox(c.w, c.h, c.s, c.s);
    EXPECT_EQ(lb.resized_w, c.rw) << c.w << "x" << c.h;
    EXPECT_EQ(lb.resized_h, c.rh) << c.w << "x" << c.h;
    EXPECT_EQ(lb.left, c.left) << c.w << "x" << c.h;
    EXPECT_EQ(lb.top, c.top) << c.w << "x" << c.h;
  }
}

TEST(Letterbox, MatchesNaiveReferenceOnManySizes) {
  for (int w = 1; w < 1500; w += 37) {
    for (int h = 1; h < 1500; h += 41) {
      for (int s : {320, 416, 640}) {
        const double r = std::min(static_cast<double>(s) / h, static_cast<double>(s) / w);
        const int rw = std::max(1, python_round(w * r)), rh = std::max(1, python_round(h * r));
        const double dw = (s - rw) / 2.0, dh = (s - rh) / 2.0;
        const Letterbox lb = compute_letterbox(w, h, s, s);
        ASSERT_EQ(lb.resized_w, rw);
        ASSERT_EQ(lb.resized_h, rh);
        ASSERT_EQ(lb.left, python_round(dw - 0.1));
        ASSERT_EQ(lb.top, python_round(dh - 0.1));
        ASSERT_EQ(lb.left + rw + python_round(dw + 0.1), s);  // the pads fill the square
        ASSERT_EQ(lb.top + rh + python_round(dh + 0.1), s);
      }
    }
  }
}

TEST(Letterbox, BoxesGoBackAndAreClipped) {
  struct Case {
    int w, h;
    BBox original;
  };
  const Case cases[] = {{768, 576, {100, 200, 300, 400}},
                        {576, 768, {0, 0, 576, 768}},
                        {1352, 900, {1000.5f, 10.25f, 1300, 899}},
                        {50, 100, {10, 10, 20, 90}}};
  for (const auto& c : cases) {
    const Letterbox lb = compute_letterbox(c.w, c.h, 640, 640);
    auto fwd = [&](float v, int pad) { return static_cast<float>(v * lb.gain + pad); };
    const BBox in_model{fwd(c.original.x1, lb.left), fwd(c.original.y1, lb.top),
                        fwd(c.original.x2, lb.left), fwd(c.original.y2, lb.top)};
    const BBox back = unletterbox(in_model, lb, c.w, c.h);
    EXPECT_NEAR(back.x1, c.original.x1, 1e-3);
    EXPECT_NEAR(back.y1, c.original.y1, 1e-3);
    EXPECT_NEAR(back.x2, c.original.x2, 1e-3);
    EXPECT_NEAR(back.y2, c.original.y2, 1e-3);
  }
  // Boxes reaching into the padding are clipped to the image.
  const Letterbox lb = compute_letterbox(768, 576, 640, 640);
  const BBox back = unletterbox(BBox{-20, 10, 700, 630}, lb, 768, 576);
  EXPECT_EQ(back.x1, 0.0f);
  EXPECT_EQ(back.y1, 0.0f);
  EXPECT_EQ(back.x2, 768.0f);
  EXPECT_EQ(back.y2, 576.0f);
}

TEST(Preprocess, YoloTensorIsRgbOver255WithGreyPadding) {
  cv::Mat image(2, 4, CV_8UC3, cv::Scalar(10, 20, 30));  // B, G, R
  std::vector<float> t(3 * 8 * 8);
  const Letterbox lb = preprocess(image, 8, 8, Normalization{}, t.data());
  EXPECT_EQ(lb.resized_w, 8);
  EXPECT_EQ(lb.resized_h, 4);
  EXPECT_EQ(lb.top, 2);
  const float pad = 114.0f / 255.0f;
  EXPECT_FLOAT_EQ(t[0], pad);                     // R plane, row 0: padding
  EXPECT_FLOAT_EQ(t[2 * 8 + 3], 30.0f / 255.0f);  // R plane, row 2: the image's red
  EXPECT_FLOAT_EQ(t[64 + 2 * 8 + 3], 20.0f / 255.0f);
  EXPECT_FLOAT_EQ(t[128 + 2 * 8 + 3], 10.0f / 255.0f);
  EXPECT_FLOAT_EQ(t[128 + 7 * 8 + 7], pad);
}

TEST(Preprocess, NanoDetTensorIsBgrMeanStdWithBlackPadding) {
  cv::Mat image(4, 2, CV_8UC3, cv::Scalar(110, 120, 130));
  Normalization norm{false, {103.53f, 116.28f, 123.675f}, {57.375f, 57.12f, 58.395f}, 0};
  std::vector<float> t(3 * 8 * 8);
  const Letterbox lb = preprocess(image, 8, 8, norm, t.data());
  EXPECT_EQ(lb.left, 2);
  EXPECT_NEAR(t[0], -103.53f / 57.375f, 1e-6);                 // B plane padding
  EXPECT_NEAR(t[3 * 8 + 3], (110 - 103.53f) / 57.375f, 1e-5);  // B plane pixel
  EXPECT_NEAR(t[128 + 3 * 8 + 3], (130 - 123.675f) / 58.395f, 1e-5);
}

// The straightforward preprocessing: every float padding first, then each pixel, channel by
// channel. The reference for the one that pads only around the image.
void naive_preprocess(const cv::Mat& bgr, int target_w, int target_h, const Normalization& norm,
                      float* out) {
  const Letterbox lb = compute_letterbox(bgr.cols, bgr.rows, target_w, target_h);
  cv::Mat resized;
  cv::resize(bgr, resized, cv::Size(lb.resized_w, lb.resized_h), 0, 0, cv::INTER_LINEAR);
  const std::size_t plane = static_cast<std::size_t>(target_w) * target_h;
  for (int c = 0; c < 3; ++c) {
    const float k = 1.0f / norm.std[c], b = -norm.mean[c] / norm.std[c];
    for (std::size_t i = 0; i < plane; ++i) out[c * plane + i] = norm.pad_value * k + b;
    const int source = norm.rgb ? 2 - c : c;
    for (int y = 0; y < lb.resized_h && y + lb.top < target_h; ++y) {
      for (int x = 0; x < lb.resized_w && x + lb.left < target_w; ++x) {
        const float v = resized.at<cv::Vec3b>(y, x)[source];
        out[c * plane + static_cast<std::size_t>(y + lb.top) * target_w + x + lb.left] = v * k + b;
      }
    }
  }
}

TEST(Preprocess, EveryFloatOfAReusedTensorIsWrittenAsTheNaiveWayWrites) {
  const Normalization yolo{};
  const Normalization nanodet{false, {103.53f, 116.28f, 123.675f}, {57.375f, 57.12f, 58.395f}, 0};
  cv::RNG rng(7);
  // One tensor for every image, as the pipeline reuses it: stale values must never show.
  std::vector<float> reused(3 * 64 * 48, std::numeric_limits<float>::quiet_NaN());
  std::vector<float> want(reused.size());
  for (int i = 0; i < 40; ++i) {
    const int w = rng.uniform(1, 200), h = rng.uniform(1, 200);
    cv::Mat image(h, w, CV_8UC3);
    rng.fill(image, cv::RNG::UNIFORM, 0, 256);
    const Normalization& norm = i % 2 == 0 ? yolo : nanodet;
    preprocess(image, 64, 48, norm, reused.data());
    naive_preprocess(image, 64, 48, norm, want.data());
    for (std::size_t j = 0; j < want.size(); ++j) {
      ASSERT_EQ(reused[j], want[j]) << w << "x" << h << " at " << j;
    }
  }
}

}  // namespace
}  // namespace ov::inference
