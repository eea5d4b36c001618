// The shared token bucket against a real Redis: OV_TEST_REDIS_URL for the behaviours, a
// server of our own for the outage.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/rate_limiter.hpp"
#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "redis_test_server.hpp"

namespace ov::cache {
namespace {

class RedisRateLimiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::shared_redis_url();
    if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
    auto redis = connect_redis(RedisConfig{*url, 8, 2000});
    ASSERT_TRUE(redis.ok()) << redis.error().message;
    redis_ = std::move(redis).value();
    limiter_ = make_redis_rate_limiter(*redis_);
    key_ = "ov-test:" + new_uuid();
  }
  void TearDown() override {
    if (redis_) (void)redis_->command({"DEL", "rl:" + key_, "rl:" + key_ + ":other"});
  }
  std::int64_t pttl(const std::string& key) { return redis_->command({"PTTL", key})->integer; }

  std::unique_ptr<Redis> redis_;
  std::unique_ptr<RateLimiter> limiter_;
  std::string key_;
};

TEST_F(RedisRateLimiterTest, BurstThenRefusalWithTheRealRetryAfter) {
  RateLimit limit{1.0, 3.0};  // over the test's few milliseconds refill stays tiny
  for (int i = 0; i < 3; ++i) {
    RateDecision d = limiter_->take(key_, limit);
    EXPECT_TRUE(d.allowed) << i;
    EXPECT_NEAR(d.remaining, 2.0 - i, 0.05);
  }
  RateDecision refused = limiter_->take(key_, limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_GT(refused.retry_after_s, 0.9);
  EXPECT_LE(refused.retry_after_s, 1.0);
  EXPECT_NEAR(refused.retry_after_s, 1.0 - refused.remaining, 1e-6);

  RateDecision big = limiter_->take(key_, limit, 2.0);
  EXPECT_FALSE(big.allowed);
  EXPECT_GT(big.retry_after_s, 1.9);  // the whole cost, not one token
  EXPECT_LE(big.retry_after_s, 2.0);
}

TEST_F(RedisRateLimiterTest, RefillsOnTheServerClock) {
  RateLimit limit{20.0, 2.0};
  ASSERT_TRUE(limiter_->take(key_, limit).allowed);
  ASSERT_TRUE(limiter_->take(key_, limit).allowed);
  RateDecision refused = limiter_->take(key_, limit);
  ASSERT_FALSE(refused.allowed);
  EXPECT_LE(refused.retry_after_s, 0.05);
  std::this_thread::sleep_for(std::chrono::duration<double>(refused.retry_after_s + 0.01));
  EXPECT_TRUE(limiter_->take(key_, limit).allowed);
}

TEST_F(RedisRateLimiterTest, KeysAreIndependent) {
  RateLimit limit{0.5, 1.0};
  EXPECT_TRUE(limiter_->take(key_, limit).allowed);
  EXPECT_FALSE(limiter_->take(key_, limit).allowed);
  EXPECT_TRUE(limiter_->take(key_ + ":other", limit).allowed);
}

TEST_F(RedisRateLimiterTest, TwoLimitersShareOneBucket) {
  auto second = make_redis_rate_limiter(*redis_);
  RateLimit limit{0.5, 4.0};
  EXPECT_TRUE(limiter_->take(key_, limit).allowed);
  EXPECT_TRUE(second->take(key_, limit).allowed);
  EXPECT_TRUE(limiter_->take(key_, limit, 2.0).allowed);
  EXPECT_FALSE(second->take(key_, limit).allowed);
  EXPECT_FALSE(limiter_->take(key_, limit).allowed);
}

TEST_F(RedisRateLimiterTest, TheKeyExpiresWhenTheBucketWouldBeFull) {
  RateLimit limit{10.0, 5.0};
  ASSERT_TRUE(limiter_->take(key_, limit).allowed);
  std::int64_t one = pttl("rl:" + key_);
  EXPECT_GT(one, 0);
  EXPECT_LE(one, 100);  // one token at 10 per second
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(limiter_->take(key_, limit).allowed);
  std::int64_t empty = pttl("rl:" + key_);
  EXPECT_GT(empty, 400);
  EXPECT_LE(empty, 500);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(redis_->command({"EXISTS", "rl:" + key_})->integer, 0);
  EXPECT_NEAR(limiter_->take(key_, limit).remaining, 4.0, 1e-9);  // gone means full
}

TEST_F(RedisRateLimiterTest, SurvivesTheServerForgettingTheScript) {
  RateLimit limit{0.5, 3.0};
  ASSERT_TRUE(limiter_->take(key_, limit).allowed);  // loads the script
  ASSERT_TRUE(redis_->command({"SCRIPT", "FLUSH"}).ok());
  RateDecision d = limiter_->take(key_, limit);  // NOSCRIPT -> EVAL
  EXPECT_TRUE(d.allowed);
  EXPECT_NEAR(d.remaining, 1.0, 0.05);  // the bucket state survived
  EXPECT_TRUE(limiter_->take(key_, limit).allowed);
  EXPECT_FALSE(limiter_->take(key_, limit).allowed);
}

TEST_F(RedisRateLimiterTest, CostAboveTheBurstIsNeverAllowed) {
  RateDecision d = limiter_->take(key_, RateLimit{1.0, 2.0}, 3.0);
  EXPECT_FALSE(d.allowed);
  EXPECT_TRUE(limiter_->take(key_, RateLimit{1.0, 2.0}, 2.0).allowed);
}

TEST_F(RedisRateLimiterTest, ConcurrentTakesNeverExceedTheBurst) {
  RateLimit limit{0.001, 40.0};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) allowed += limiter_->take(key_, limit).allowed ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 40);
}

TEST(RedisRateLimiterOutage, FailsOpenWhenRedisIsDown) {
  auto server = testing::RedisServer::start();
  if (!server) GTEST_SKIP() << "redis-server is not installed or did not start";
  auto redis = connect_redis(RedisConfig{server->url(), 2, 500});
  ASSERT_TRUE(redis.ok()) << redis.error().message;
  auto limiter = make_redis_rate_limiter(**redis);
  RateLimit limit{0.001, 1.0};
  ASSERT_TRUE(limiter->take("k", limit).allowed);
  ASSERT_FALSE(limiter->take("k", limit).allowed);  // enforced while Redis is up
  server->stop();
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(limiter->take("k", limit).allowed);
  ASSERT_TRUE(server->restart());  // empty again: the script must be loaded anew
  EXPECT_TRUE(limiter->take("k", limit).allowed);
  EXPECT_FALSE(limiter->take("k", limit).allowed);
}

}  // namespace
}  // namespace ov::cache
