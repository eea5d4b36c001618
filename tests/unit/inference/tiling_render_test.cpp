// Tiles cover the image, the output formats have the documented shapes, the batcher hands
// each caller its own outputs.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <thread>

#include "inference/batcher.hpp"
#include "inference/render.hpp"
#include "inference/tiling.hpp"

namespace ov::inference {
namespace {

TEST(Tiling, TilesCoverTheImageWithTheRequestedOverlap) {
  struct Case {
    int w, h, tw, th;
    float overlap;
    std::vector<int> xs, ys;
  };
  const Case cases[] = {
      {640, 320, 320, 320, 0.0f, {0, 320}, {0}},
      {640, 320, 320, 320, 0.25f, {0, 240, 320}, {0}},
      {1000, 700, 400, 400, 0.2f, {0, 320, 600}, {0, 300}},
      {300, 200, 640, 640, 0.2f, {0}, {0}},  // a tile larger than the image: the image
  };
  for (const auto& c : cases) {
    TileOptions t{c.tw, c.th, c.overlap, false};
    const auto regions = make_tiles(c.w, c.h, t);
    std::vector<int> xs, ys;
    for (const auto& r : regions) {
      if (std::find(xs.begin(), xs.end(), r.x) == xs.end()) xs.push_back(r.x);
      if (std::find(ys.begin(), ys.end(), r.y) == ys.end()) ys.push_back(r.y);
      EXPECT_LE(r.x + r.width, c.w);
      EXPECT_LE(r.y + r.height, c.h);
    }
    EXPECT_EQ(xs, c.xs) << c.w << "x" << c.h;
    EXPECT_EQ(ys, c.ys) << c.w << "x" << c.h;
  }
  TileOptions with_full{320, 320, 0.0f, true};
  const auto regions = make_tiles(640, 320, with_full);
  ASSERT_EQ(regions.size(), 3u);
  EXPECT_EQ(regions[0].width, 640);  // the whole image first
}

DetectionResult sample() {
  DetectionResult r;
  r.model = "m";
  r.width = 200;
  r.height = 100;
  r.inference_ms = 12.345;
  DetectedObject d;
  d.class_id = 16;
  d.label = "dog \"rex\"";
  d.confidence = 0.87654f;
  d.box = {10.126f, 20, 110, 70};
  d.normalized = {d.box.x1 / 200, d.box.y1 / 100, d.box.x2 / 200, d.box.y2 / 100};
  r.detections.push_back(d);
  return r;
}

TEST(Render, JsonFormatHasTheDocumentedShape) {
  const std::vector<ImageDetections> images = {{"a.jpg", sample()}};
  const auto v = boost::json::parse(render(images, OutputFormat::json));
  const auto& o = v.as_array().at(0).as_object();
  EXPECT_EQ(o.at("image").as_string(), "a.jpg");
  EXPECT_EQ(o.at("width").as_int64(), 200);
  EXPECT_EQ(o.at("model").as_string(), "m");
  EXPECT_DOUBLE_EQ(o.at("inference_ms").as_double(), 12.35);
  const auto& d = o.at("detections").as_array().at(0).as_object();
  EXPECT_EQ(d.at("class").as_string(), "dog \"rex\"");
  EXPECT_EQ(d.at("class_id").as_int64(), 16);
  EXPECT_DOUBLE_EQ(d.at("confidence").as_double(), 0.8765);
  EXPECT_DOUBLE_EQ(d.at("bbox").at("x1").as_double(), 10.13);
  EXPECT_DOUBLE_EQ(d.at("bbox").at("width").as_double(), 99.87);
  EXPECT_DOUBLE_EQ(d.at("bbox_normalized").at("y2").as_double(), 0.7);
}

TEST(Render, CocoAndDeepstackFormats) {
  const std::vector<ImageDetections> images = {{"a.jpg", sample()}, {"b.jpg", DetectionResult{}}};
  const auto coco = boost::json::parse(render(images, OutputFormat::coco)).as_object();
  EXPECT_EQ(coco.at("images").as_array().size(), 2u);
  const auto& ann = coco.at("annotations").as_array().at(0).as_object();
  EXPECT_EQ(ann.at("image_id").as_int64(), 1);
  EXPECT_EQ(ann.at("category_id").as_int64(), 16);
  EXPECT_DOUBLE_EQ(ann.at("bbox").as_array().at(2).as_double(), 99.87);
  EXPECT_EQ(coco.at("categories").as_array().at(0).at("name").as_string(), "dog \"rex\"");

  const auto ds = boost::json::parse(render_deepstack(sample())).as_object();
  EXPECT_TRUE(ds.at("success").as_bool());
  const auto& p = ds.at("predictions").as_array().at(0).as_object();
  EXPECT_EQ(p.at("x_min").as_int64(), 10);
  EXPECT_EQ(p.at("y_max").as_int64(), 70);
  EXPECT_EQ(ds.at("count").as_int64(), 1);
}

TEST(Batcher, GathersCallersAndSlicesTheirOutputs) {
  std::atomic<int> runs{0};
  std::atomic<int> largest{0};
  // A fake model: output = the image's first value, times 10, per image.
  Batcher batcher(
      [&](std::span<const float> data, std::int64_t count) -> Result<std::vector<Tensor>> {
        ++runs;
        largest = std::max<int>(largest, static_cast<int>(count));
        std::vector<float> values;
        for (std::int64_t i = 0; i < count; ++i) values.push_back(data[i * 2] * 10);
        return std::vector<Tensor>{Tensor::of({count, 1}, std::move(values))};
      },
      2, 4, std::chrono::microseconds(30'000'000));  // a bound only: see below
  std::vector<float> got(4, -1);
  std::vector<std::thread> threads;
  std::vector<Batcher::Ticket> tickets;  // four callers on their way
  for (int i = 0; i < 4; ++i) tickets.push_back(batcher.announce());
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i, ticket = std::move(tickets[i])]() mutable {
      const float image[2] = {static_cast<float>(i), 0};
      auto out = batcher.submit(image, std::move(ticket));
      if (out.ok()) got[i] = out.value()[0].values[0];
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(got, (std::vector<float>{0, 10, 20, 30}));
  EXPECT_EQ(runs.load(), 1);  // four callers, max batch 4: one run
  EXPECT_EQ(largest.load(), 4);
  // Every caller was announced, so the batch closed when the fourth image came, not at the
  // bound (a short bound made this test fail on a loaded machine, threads starting late).
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST(Batcher, ALoneCallerDoesNotWait) {
  Batcher batcher(
      [](std::span<const float> data, std::int64_t count) -> Result<std::vector<Tensor>> {
        return std::vector<Tensor>{Tensor::of({count, 1}, {data[0] + 1})};
      },
      1, 8, std::chrono::microseconds(30'000'000));
  const float image[1] = {41};
  const auto t0 = std::chrono::steady_clock::now();
  auto out = batcher.submit(image, batcher.announce());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out.value()[0].values[0], 42);
  EXPECT_EQ(batcher.batches_run(), 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));  // not 30 s
}

TEST(Batcher, AWithdrawnCallerReleasesTheLeader) {
  Batcher batcher(
      [](std::span<const float>, std::int64_t count) -> Result<std::vector<Tensor>> {
        return std::vector<Tensor>{Tensor::of({count, 1}, std::vector<float>(count, 1))};
      },
      1, 8, std::chrono::microseconds(30'000'000));
  auto other = std::make_unique<Batcher::Ticket>(batcher.announce());  // on its way...
  std::thread dropper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    other.reset();  // ...then fails before submitting
  });
  const float image[1] = {0};
  const auto t0 = std::chrono::steady_clock::now();
  auto out = batcher.submit(image, batcher.announce());
  dropper.join();
  ASSERT_TRUE(out.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
}

TEST(Batcher, ErrorsReachEveryCaller) {
  Batcher batcher(
      [](std::span<const float>, std::int64_t) -> Result<std::vector<Tensor>> {
        return Error{Errc::internal, "boom"};
      },
      1, 2, std::chrono::microseconds(300'000));
  std::vector<std::string> errors(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i, ticket = batcher.announce()]() mutable {
      const float image[1] = {0};
      auto out = batcher.submit(image, std::move(ticket));
      if (!out.ok()) errors[i] = out.error().message;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors, (std::vector<std::string>{"boom", "boom"}));
}

}  // namespace
}  // namespace ov::inference
