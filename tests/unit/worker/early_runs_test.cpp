#include "worker/early_runs.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>

#include "inference/engine.hpp"

namespace ov::worker {
namespace {

using namespace std::chrono_literals;

std::shared_ptr<const std::string> dog() {
  std::ifstream in("/usr/share/darknet/data/dog.jpg", std::ios::binary);
  return std::make_shared<const std::string>(std::istreambuf_iterator<char>(in),
                                             std::istreambuf_iterator<char>());
}

// start() until the lane is idle (it may still be ending an earlier run), for 30 s at most.
bool start_when_idle(EarlyRuns& early, const std::string& job) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (early.start(job, 0, dog(), {})) return true;
    std::this_thread::sleep_for(1ms);
  }
  return false;
}

class EarlyRunsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    inference::EngineSettings s;
    s.models_dir = std::string(OV_SOURCE_DIR) + "/models";
    s.intra_threads = 1;
    auto loaded = inference::Engine::load(s);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    engine_ = loaded.value().release();
  }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  static inline inference::Engine* engine_ = nullptr;
};

TEST_F(EarlyRunsTest, TheWorkerTakesTheDetectionOnceAndItIsTheEnginesOwn) {
  EarlyRuns early(*engine_, 1, 0);
  ASSERT_TRUE(early.start("job-1", 0, dog(), {}));
  auto run = early.take("job-1", 0);
  ASSERT_TRUE(run.has_value());
  const auto& result = run->get();
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->width, 768);
  const auto photo = dog();
  const auto* bytes = photo.get();
  auto direct = engine_->detect(
      std::span(reinterpret_cast<const std::uint8_t*>(bytes->data()), bytes->size()), {});
  ASSERT_TRUE(direct.ok());
  ASSERT_EQ(result->detections.size(), direct->detections.size());
  for (std::size_t i = 0; i < direct->detections.size(); ++i) {
    EXPECT_EQ(result->detections[i].label, direct->detections[i].label);
    EXPECT_NEAR(result->detections[i].box.x1, direct->detections[i].box.x1, 0.5);
  }
  EXPECT_FALSE(early.take("job-1", 0).has_value()) << "taken once";
  EXPECT_FALSE(early.take("job-2", 0).has_value()) << "never started";
  EXPECT_EQ(early.stats().started, 1u);
  EXPECT_EQ(early.stats().taken, 1u);
}

TEST_F(EarlyRunsTest, ARefusedJobsRunIsDropped) {
  EarlyRuns early(*engine_, 1, 0);
  ASSERT_TRUE(early.start("refused", 0, dog(), {}));
  early.forget("refused");
  EXPECT_FALSE(early.take("refused", 0).has_value());
  EXPECT_EQ(early.stats().dropped, 1u);
}

TEST_F(EarlyRunsTest, AtCapacityOrForAnImageStartedAlreadyNothingStarts) {
  EarlyRuns early(*engine_, 1, 0, 60s, 1);
  ASSERT_TRUE(early.start("a", 0, dog(), {}));
  EXPECT_FALSE(early.start("a", 0, dog(), {})) << "the same image again";
  EXPECT_FALSE(early.start("b", 0, dog(), {})) << "one result waits already: the capacity";
  auto a = early.take("a", 0);
  ASSERT_TRUE(a.has_value());
  a->wait();
  // The result was taken: room again, once the lane is idle.
  EXPECT_TRUE(start_when_idle(early, "b"));
  EXPECT_EQ(early.stats().started, 2u);
}

TEST_F(EarlyRunsTest, AResultNotTakenInTimeIsDropped) {
  auto now = std::make_shared<EarlyRuns::Clock::time_point>(EarlyRuns::Clock::now());
  EarlyRuns early(*engine_, 1, 0, 10s, 64, [now] { return *now; });
  ASSERT_TRUE(early.start("late", 0, dog(), {}));
  // Its job went to another process's worker (or was cancelled): nobody takes it.
  *now += 11s;
  ASSERT_TRUE(start_when_idle(early, "next"));
  EXPECT_FALSE(early.take("late", 0).has_value());
  EXPECT_EQ(early.stats().dropped, 1u);
  EXPECT_TRUE(early.take("next", 0).has_value());
}

}  // namespace
}  // namespace ov::worker
