#include <gtest/gtest.h>

#include <atomic>

#include "http/message.hpp"

namespace ov::http {
namespace {

using namespace std::chrono_literals;

TEST(Later, TheFirstAnswerWinsAndWakesTheAttachedWaiterOnce) {
  Later later(10s, Response::json(503, R"({"detail":"late"})"));
  std::atomic<int> woken{0};
  later.attach([&] { ++woken; });
  EXPECT_FALSE(later.resolved());
  later.resolve(Response::json(200, R"({"n":1})"));
  later.resolve(Response::json(200, R"({"n":2})"));
  EXPECT_EQ(woken.load(), 1);
  EXPECT_TRUE(later.resolved());
  EXPECT_EQ(later.take_maker(), nullptr);
  Response answer = later.take();
  EXPECT_EQ(answer.status, 200);
  EXPECT_EQ(answer.body, R"({"n":1})");
}

TEST(Later, WithoutAnAnswerTheFallbackComesOut) {
  Later later(1ms, Response::json(202, R"({"status":"queued"})"));
  EXPECT_EQ(later.take().status, 202);
}

TEST(Later, AMakerIsHandedOutOnceAndBlocksLaterAnswers) {
  Later later(10s, Response::json(503, "{}"));
  later.resolve_by([] { return Response::json(200, R"({"made":true})"); });
  later.resolve(Response::json(500, "{}"));  // too late: the maker won
  EXPECT_TRUE(later.resolved());
  EXPECT_EQ(later.take_fallback_maker(), nullptr) << "answered: no fallback to make";
  auto make = later.take_maker();
  ASSERT_NE(make, nullptr);
  EXPECT_EQ(make().body, R"({"made":true})");
  EXPECT_EQ(later.take_maker(), nullptr);
}

TEST(Later, AttachingAfterTheAnswerWakesAtOnce) {
  Later later(10s, Response::json(503, "{}"));
  later.resolve_by([] { return Response::json(200, "{}"); });
  bool woken = false;
  later.attach([&] { woken = true; });
  EXPECT_TRUE(woken);
}

TEST(Later, TheFallbackMakerRunsOnlyWhenNothingAnswered) {
  Later later(1ms, Response::json(202, "{}"), [] { return Response::json(200, R"({"late":1})"); });
  auto make = later.take_fallback_maker();
  ASSERT_NE(make, nullptr);
  EXPECT_EQ(make().status, 200);
  EXPECT_EQ(later.take_fallback_maker(), nullptr);
}

}  // namespace
}  // namespace ov::http
