// Tiling within bounds: the tile count without making the tiles, MAX_TILES, tiles run in
// bounded batches with a checkpoint before each, the job's deadline, and out-of-memory errors
// that fail the image, not the process.
#include <gtest/gtest.h>

#include <new>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "inference/engine.hpp"
#include "inference/model.hpp"
#include "inference/model_repository.hpp"
#include "inference/tile_batches.hpp"
#include "inference/tiling.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

std::vector<std::uint8_t> png(int w, int h) {
  cv::Mat m(h, w, CV_8UC3, cv::Scalar(40, 80, 120));
  std::vector<std::uint8_t> out;
  cv::imencode(".png", m, out);
  return out;
}

TEST(CountTiles, MatchesTheTilesMadeWithoutMakingThem) {
  for (int w : {31, 32, 100, 333, 640, 1000, 1280}) {
    for (int h : {32, 77, 640, 1280}) {
      for (int t : {32, 100, 320, 640}) {
        for (float overlap : {0.0f, 0.2f, 0.5f, 0.9f}) {
          for (bool full : {false, true}) {
            const TileOptions tile{t, t / 2 + 16, overlap, full};
            EXPECT_EQ(count_tiles(w, h, tile),
                      static_cast<std::int64_t>(make_tiles(w, h, tile).size()))
                << w << "x" << h << " tile " << t << " overlap " << overlap << " full " << full;
          }
        }
      }
    }
  }
  EXPECT_EQ(count_tiles(5000, 5000, TileOptions{}), 1);  // no tiling: the whole image
}

TEST(CountTiles, TheAttackOfTheIssueAndEitherOrientation) {
  // tile=32x32, tile_overlap=0.5 on 1280 x 1280: 79 x 79 tiles plus the whole image.
  EXPECT_EQ(count_tiles(1280, 1280, TileOptions{32, 32, 0.5f, true}), 6242);
  // Huge sides are counted, not made.
  EXPECT_GT(count_tiles(1'000'000, 40, TileOptions{32, 32, 0.9f, true}), 300'000);
  const TileOptions wide{640, 100, 0.0f, false};
  EXPECT_EQ(count_tiles(1280, 200, wide), 4);
  EXPECT_EQ(count_tiles(200, 1280, wide), 13);
  EXPECT_EQ(count_tiles_any_orientation(1280, 200, wide), 13);
}

class TileLimits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { dir_ = test::shared_test_models(); }
  EngineSettings settings() const {
    EngineSettings s;
    s.model_path = (dir_ / "yolov8.onnx").string();
    s.warm_up = false;
    return s;
  }
  std::unique_ptr<Engine> engine(EngineSettings s) const {
    auto e = Engine::load(s);
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
    return e.ok() ? std::move(e.value()) : nullptr;
  }
  static std::filesystem::path dir_;
};
std::filesystem::path TileLimits::dir_;

TEST_F(TileLimits, AnImageOverMaxTilesFailsWithAClearError) {
  auto s = settings();
  s.max_tiles = 10;
  auto e = engine(s);
  ASSERT_TRUE(e);
  DetectOptions o;
  o.tile = TileOptions{100, 100, 0.0f, true};
  auto ok = e->detect(png(300, 300), o);  // 9 tiles and the whole image
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  auto refused = e->detect(png(400, 300), o);  // 12 and the whole image
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::invalid_argument);
  EXPECT_NE(refused.error().message.find("too many tiles"), std::string::npos);
  EXPECT_NE(refused.error().message.find("13 tiles of the 400x300 image, at most 10"),
            std::string::npos)
      << refused.error().message;
}

TEST_F(TileLimits, APassedDeadlineStopsTheImage) {
  auto e = engine(settings());
  ASSERT_TRUE(e);
  DetectOptions o;
  o.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  auto r = e->detect(png(64, 64), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::timeout);
  EXPECT_NE(r.error().message.find("timed out"), std::string::npos) << r.error().message;
  o.deadline = std::chrono::steady_clock::now() + std::chrono::hours(1);
  EXPECT_TRUE(e->detect(png(64, 64), o).ok());
}

TEST_F(TileLimits, TilesRunInBoundedBatchesWithACheckpointBeforeEach) {
  auto s = settings();
  auto entries = discover_models(s);
  ASSERT_TRUE(entries.ok());
  auto runtime = Runtime::create();
  ASSERT_TRUE(runtime.ok());
  auto model = Model::load(runtime.value(), entries.value()[0], s);
  ASSERT_TRUE(model.ok()) << model.error().message;
  const cv::Mat image(640, 640, CV_8UC3, cv::Scalar(40, 80, 120));
  const auto regions = make_tiles(640, 640, TileOptions{160, 160, 0.0f, false});
  ASSERT_EQ(regions.size(), 16u);

  std::vector<std::size_t> seen;
  TileRun run;
  run.batch = 3;
  run.checkpoint = [&seen](std::size_t done, std::size_t total) -> Result<void> {
    EXPECT_EQ(total, 16u);
    seen.push_back(done);
    return {};
  };
  auto batched = detect_regions(*model.value(), image, regions, run);
  ASSERT_TRUE(batched.ok()) << batched.error().message;
  EXPECT_EQ(seen, (std::vector<std::size_t>{0, 3, 6, 9, 12, 15}));

  run.batch = 16;
  run.checkpoint = nullptr;
  auto at_once = detect_regions(*model.value(), image, regions, run);
  ASSERT_TRUE(at_once.ok());
  EXPECT_EQ(at_once->size(), batched->size());  // the same candidates either way

  run.batch = 4;
  run.checkpoint = [](std::size_t done, std::size_t) -> Result<void> {
    if (done >= 8) return Error{Errc::timeout, "stopped after " + std::to_string(done)};
    return {};
  };
  auto stopped = detect_regions(*model.value(), image, regions, run);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.error().code, Errc::timeout);
  EXPECT_EQ(stopped.error().message, "stopped after 8");
}

// OpenCV's allocator, failing every allocation of `limit` bytes or more as `kind` says.
class FailingAllocator : public cv::MatAllocator {
 public:
  enum Kind { opencv, std_bad_alloc };
  FailingAllocator(std::size_t limit, Kind kind) : limit_(limit), kind_(kind) {}
  cv::UMatData* allocate(int dims, const int* sizes, int type, void* data, std::size_t* step,
                         cv::AccessFlag flags, cv::UMatUsageFlags usage) const override {
    std::size_t total = CV_ELEM_SIZE(type);
    for (int i = 0; i < dims; ++i) total *= static_cast<std::size_t>(sizes[i]);
    if (data == nullptr && total >= limit_) {
      if (kind_ == std_bad_alloc) throw std::bad_alloc();
      CV_Error(cv::Error::StsNoMem, "Failed to allocate memory (test)");
    }
    return std_->allocate(dims, sizes, type, data, step, flags, usage);
  }
  bool allocate(cv::UMatData* data, cv::AccessFlag flags, cv::UMatUsageFlags usage) const override {
    return std_->allocate(data, flags, usage);
  }
  void deallocate(cv::UMatData* data) const override { std_->deallocate(data); }

 private:
  cv::MatAllocator* std_ = cv::Mat::getStdAllocator();
  std::size_t limit_;
  Kind kind_;
};

TEST_F(TileLimits, OutOfMemoryFailsTheImageNotTheProcess) {
  auto e = engine(settings());
  ASSERT_TRUE(e);
  const auto bytes = png(640, 480);  // decodes into 921600 bytes
  cv::MatAllocator* const usual = cv::Mat::getDefaultAllocator();
  for (auto kind : {FailingAllocator::opencv, FailingAllocator::std_bad_alloc}) {
    FailingAllocator failing(512 * 1024, kind);
    cv::Mat::setDefaultAllocator(&failing);
    auto r = e->detect(bytes, DetectOptions{});
    cv::Mat::setDefaultAllocator(usual);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, Errc::unavailable);
    EXPECT_EQ(r.error().message, "out of memory while decoding the 640x480 PNG image");
  }
  auto after = e->detect(bytes, DetectOptions{});  // and the engine works on
  ASSERT_TRUE(after.ok()) << after.error().message;
}

}  // namespace
}  // namespace ov::inference
