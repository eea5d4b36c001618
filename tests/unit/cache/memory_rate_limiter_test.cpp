#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/rate_limiter.hpp"

namespace ov::cache {
namespace {

// Time moves only when the test says so.
struct ManualClock {
  std::shared_ptr<std::atomic<double>> now = std::make_shared<std::atomic<double>>(1000.0);
  SecondsClock fn() const {
    auto t = now;
    return [t] { return t->load(); };
  }
  void advance(double s) const { now->store(now->load() + s); }
};

TEST(MemoryRateLimiter, BurstThenRefusalWithExactRetryAfter) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{2.0, 3.0};
  for (int i = 0; i < 3; ++i) {
    RateDecision d = limiter->take("ip:1", limit);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_DOUBLE_EQ(d.remaining, 2.0 - i);
  }
  RateDecision refused = limiter->take("ip:1", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_DOUBLE_EQ(refused.retry_after_s, 0.5);  // one token at 2 per second
  EXPECT_DOUBLE_EQ(refused.remaining, 0.0);
}

TEST(MemoryRateLimiter, RefillsOverTimeAndWaitingRetryAfterIsEnough) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{4.0, 2.0};
  ASSERT_TRUE(limiter->take("k", limit).allowed);
  ASSERT_TRUE(limiter->take("k", limit).allowed);
  clock.advance(0.1);  // 0.4 tokens back
  RateDecision d = limiter->take("k", limit);
  ASSERT_FALSE(d.allowed);
  EXPECT_NEAR(d.retry_after_s, 0.15, 1e-9);
  clock.advance(d.retry_after_s);
  EXPECT_TRUE(limiter->take("k", limit).allowed);
  EXPECT_FALSE(limiter->take("k", limit).allowed);
}

TEST(MemoryRateLimiter, RefillIsCappedAtTheBurst) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{10.0, 3.0};
  ASSERT_TRUE(limiter->take("k", limit).allowed);
  clock.advance(3600.0);
  int allowed = 0;
  for (int i = 0; i < 10; ++i) allowed += limiter->take("k", limit).allowed ? 1 : 0;
  EXPECT_EQ(allowed, 3);
}

TEST(MemoryRateLimiter, RetryAfterCoversTheWholeCost) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{2.0, 5.0};
  ASSERT_TRUE(limiter->take("batch", limit, 4.0).allowed);  // 1 token left
  RateDecision d = limiter->take("batch", limit, 3.0);
  EXPECT_FALSE(d.allowed);
  EXPECT_DOUBLE_EQ(d.retry_after_s, 1.0);  // 2 more tokens at 2 per second
  EXPECT_DOUBLE_EQ(d.remaining, 1.0);      // a refusal takes nothing
  clock.advance(0.999);
  EXPECT_FALSE(limiter->take("batch", limit, 3.0).allowed);
  clock.advance(0.001);
  RateDecision ok = limiter->take("batch", limit, 3.0);
  EXPECT_TRUE(ok.allowed);
  EXPECT_NEAR(ok.remaining, 0.0, 1e-9);
}

TEST(MemoryRateLimiter, RefusedAttemptsDoNotDigTheHoleDeeper) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{1.0, 1.0};
  ASSERT_TRUE(limiter->take("k", limit).allowed);
  for (int i = 0; i < 50; ++i) ASSERT_FALSE(limiter->take("k", limit).allowed);
  clock.advance(1.0);
  EXPECT_TRUE(limiter->take("k", limit).allowed);
}

TEST(MemoryRateLimiter, CostAboveTheBurstIsNeverAllowed) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{1.0, 5.0};
  ASSERT_TRUE(limiter->take("k", limit, 2.0).allowed);
  RateDecision d = limiter->take("k", limit, 6.0);
  EXPECT_FALSE(d.allowed);
  EXPECT_DOUBLE_EQ(d.retry_after_s, 2.0);  // the time to fill up again
  clock.advance(100.0);
  EXPECT_FALSE(limiter->take("k", limit, 6.0).allowed);
  EXPECT_TRUE(limiter->take("k", limit, 5.0).allowed);
}

TEST(MemoryRateLimiter, KeysAreIndependent) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{1.0, 2.0};
  EXPECT_TRUE(limiter->take("ip:a", limit).allowed);
  EXPECT_TRUE(limiter->take("ip:a", limit).allowed);
  EXPECT_FALSE(limiter->take("ip:a", limit).allowed);
  EXPECT_TRUE(limiter->take("ip:b", limit).allowed);
  EXPECT_TRUE(limiter->take("user:a", limit).allowed);
}

TEST(MemoryRateLimiter, NonPositiveLimitsDisableLimiting) {
  auto limiter = make_memory_rate_limiter();
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(limiter->take("k", RateLimit{0.0, 5.0}).allowed);
    EXPECT_TRUE(limiter->take("k", RateLimit{5.0, 0.0}).allowed);
  }
  EXPECT_EQ(limiter->bucket_count(), 0u);
}

TEST(MemoryRateLimiter, ConcurrentTakesNeverExceedTheBurst) {
  ManualClock clock;  // frozen: no refill during the race
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{1.0, 100.0};
  std::atomic<int> allowed_a{0};
  std::atomic<int> allowed_b{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (limiter->take("shared-a", limit).allowed) ++allowed_a;
        if (limiter->take("shared-b", limit, 2.0).allowed) ++allowed_b;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed_a.load(), 100);
  EXPECT_EQ(allowed_b.load(), 50);
}

TEST(MemoryRateLimiter, ConcurrentTakesWithTheRealClockStayWithinBurstPlusRefill) {
  auto limiter = make_memory_rate_limiter();
  RateLimit limit{0.001, 64.0};  // refill is negligible over the test
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) allowed += limiter->take("hot", limit).allowed ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 64);
}

TEST(MemoryRateLimiter, FullBucketsAreForgotten) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{10.0, 5.0};
  ASSERT_TRUE(limiter->take("k", limit).allowed);
  EXPECT_EQ(limiter->bucket_count(), 1u);
  clock.advance(1.0);  // full again
  ASSERT_TRUE(limiter->take("k", limit, 0.0).allowed);
  EXPECT_EQ(limiter->bucket_count(), 0u);
}

TEST(MemoryRateLimiter, MemoryStaysBoundedUnderKeyChurn) {
  ManualClock clock;
  auto limiter = make_memory_rate_limiter(clock.fn());
  RateLimit limit{5.0, 10.0};  // a bucket is full again 0.2 s after one take
  constexpr int kPerRound = 5000;
  constexpr int kRounds = 40;  // 200,000 distinct keys in all
  std::size_t peak = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int i = 0; i < kPerRound; ++i) {
      ASSERT_TRUE(
          limiter->take("ip:" + std::to_string(round) + "." + std::to_string(i), limit).allowed);
    }
    peak = std::max(peak, limiter->bucket_count());
    clock.advance(1.0);
  }
  // Only one round's buckets are still refilling at any time; the sweep keeps at most twice
  // that, plus a small fixed allowance per shard.
  EXPECT_GE(peak, static_cast<std::size_t>(kPerRound));
  EXPECT_LE(peak, static_cast<std::size_t>(2 * kPerRound + 32 * 1024));
  EXPECT_LT(peak, static_cast<std::size_t>(kPerRound * kRounds / 4));
}

}  // namespace
}  // namespace ov::cache
