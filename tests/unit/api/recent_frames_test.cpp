// The duplicate-frame cache of the DeepStack routes, with an injected clock.
#include "api/recent_frames.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ov::api {
namespace {

using namespace std::chrono_literals;
using Clock = RecentFrames::Clock;

struct Harness {
  Clock::time_point now = Clock::time_point{} + 1h;
  RecentFrames frames;
  std::vector<std::string> heard;  // what each deliver() got: a label list, or "error: ..."

  explicit Harness(std::chrono::milliseconds window, std::size_t capacity = 1024)
      : frames(window, capacity, [this] { return now; }) {}

  RecentFrames::Deliver listener() {
    return [this](const Result<inference::DetectionResult>& r) {
      if (!r) {
        heard.push_back("error: " + r.error().message);
        return;
      }
      std::string labels;
      for (const auto& d : r.value().detections) labels += d.label + ";";
      heard.push_back(labels);
    };
  }
};

inference::DetectionResult found(std::vector<std::string> labels) {
  inference::DetectionResult r;
  for (auto& l : labels) {
    inference::DetectedObject d;
    d.label = std::move(l);
    r.detections.push_back(std::move(d));
  }
  return r;
}

TEST(RecentFrames, TheFirstRunsThoseWhileItRunsWaitThoseAfterAreAnsweredAtOnce) {
  Harness h(2000ms);
  EXPECT_TRUE(h.frames.join("k", h.listener())) << "the first runs the detection";
  EXPECT_FALSE(h.frames.join("k", h.listener())) << "the second waits for it";
  EXPECT_TRUE(h.heard.empty());
  h.frames.complete("k", found({"dog", "bicycle"}));
  ASSERT_EQ(h.heard.size(), 1u) << "the waiting one hears the first's result";
  EXPECT_EQ(h.heard[0], "dog;bicycle;");
  h.now += 1999ms;
  EXPECT_FALSE(h.frames.join("k", h.listener())) << "within the window: answered from it";
  ASSERT_EQ(h.heard.size(), 2u);
  EXPECT_EQ(h.heard[1], "dog;bicycle;");
  EXPECT_EQ(h.frames.stats().joined, 1u);
  EXPECT_EQ(h.frames.stats().answered, 1u);
}

TEST(RecentFrames, AfterTheWindowTheFrameRunsAgain) {
  Harness h(2000ms);
  ASSERT_TRUE(h.frames.join("k", h.listener()));
  h.frames.complete("k", found({"dog"}));
  h.now += 2000ms;
  EXPECT_TRUE(h.frames.join("k", h.listener())) << "the window is measured from the end";
  h.frames.complete("k", found({"cat"}));
  EXPECT_FALSE(h.frames.join("k", h.listener()));
  EXPECT_EQ(h.heard.back(), "cat;") << "the newer result";
}

TEST(RecentFrames, OtherKeysAreApart) {
  Harness h(2000ms);
  ASSERT_TRUE(h.frames.join("a", h.listener()));
  EXPECT_TRUE(h.frames.join("b", h.listener()));
  h.frames.complete("a", found({"dog"}));
  EXPECT_TRUE(h.heard.empty()) << "b's asker was not waiting for a";
}

TEST(RecentFrames, AFailureReachesThoseWaitingAndIsNotKept) {
  Harness h(2000ms);
  ASSERT_TRUE(h.frames.join("k", h.listener()));
  ASSERT_FALSE(h.frames.join("k", h.listener()));
  h.frames.complete("k", Error{Errc::unavailable, "busy"});
  ASSERT_EQ(h.heard.size(), 1u);
  EXPECT_EQ(h.heard[0], "error: busy");
  EXPECT_TRUE(h.frames.join("k", h.listener())) << "the next one tries again";
}

TEST(RecentFrames, AWindowOfZeroTurnsItOff) {
  Harness h(0ms);
  EXPECT_TRUE(h.frames.join("k", h.listener()));
  EXPECT_TRUE(h.frames.join("k", h.listener()));
  h.frames.complete("k", found({"dog"}));
  EXPECT_TRUE(h.frames.join("k", h.listener()));
  EXPECT_TRUE(h.heard.empty());
}

TEST(RecentFrames, BeyondItsCapacityRequestsSimplyRun) {
  Harness h(2000ms, 2);
  ASSERT_TRUE(h.frames.join("a", h.listener()));
  ASSERT_TRUE(h.frames.join("b", h.listener()));
  EXPECT_TRUE(h.frames.join("c", h.listener()));
  EXPECT_TRUE(h.frames.join("c", h.listener())) << "c is not tracked: no one waits on it";
  h.frames.complete("c", found({"dog"}));  // harmless
  EXPECT_TRUE(h.heard.empty());
  h.frames.complete("a", found({"dog"}));
  h.frames.complete("b", found({"cat"}));
  h.now += 2000ms;  // a and b expire: room again
  EXPECT_TRUE(h.frames.join("c", h.listener()));
  EXPECT_FALSE(h.frames.join("c", h.listener()));
}

}  // namespace
}  // namespace ov::api
