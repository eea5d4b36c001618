#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "cache/log_throttle.hpp"

namespace ov::cache {
namespace {

TEST(LogThrottle, AdmitsOncePerIntervalAndCountsTheRest) {
  LogThrottle throttle(std::chrono::milliseconds(100));
  auto first = throttle.admit();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(*first, 0u);
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(throttle.admit().has_value());
  std::this_thread::sleep_for(std::chrono::milliseconds(120));
  auto next = throttle.admit();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(*next, 5u);
  EXPECT_FALSE(throttle.admit().has_value());
}

}  // namespace
}  // namespace ov::cache
