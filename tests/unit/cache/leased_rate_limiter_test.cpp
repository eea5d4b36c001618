// The leased limiter: tokens leased from a shared limiter and spent from memory. Against the
// in-memory limiter as the shared one (both on one injected clock), and against a real Redis
// with two "nodes" sharing one bucket.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "cache/rate_limiter.hpp"
#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "redis_test_server.hpp"

namespace ov::cache {
namespace {

struct ManualClock {
  double now = 1000.0;
  SecondsClock fn() {
    return [this] { return now; };
  }
};

// The shared bucket, in memory, and what asked it: every take() that reached it.
class CountingShared final : public RateLimiter {
 public:
  explicit CountingShared(SecondsClock clock) : inner_(make_memory_rate_limiter(clock)) {}
  RateDecision take(const std::string& key, const RateLimit& limit, double cost) override {
    ++calls;
    tokens_asked += cost;
    return inner_->take(key, limit, cost);
  }
  bool may_block() const override { return true; }  // as Redis: only take() decides
  int calls = 0;
  double tokens_asked = 0;

 private:
  std::unique_ptr<MemoryRateLimiter> inner_;
};

class LeasedRateLimiterTest : public ::testing::Test {
 protected:
  LeasedRateLimiterTest() {
    auto shared = std::make_unique<CountingShared>(clock_.fn());
    shared_ = shared.get();
    limiter_ =
        make_leased_rate_limiter(std::move(shared), LeaseSettings{0.1, 64, 1.0}, clock_.fn());
  }
  ManualClock clock_;
  CountingShared* shared_ = nullptr;
  std::unique_ptr<RateLimiter> limiter_;
};

TEST_F(LeasedRateLimiterTest, OneLeaseServesSeveralTakesFromMemory) {
  const RateLimit limit{1.0, 100.0};  // leases of 10
  EXPECT_FALSE(limiter_->try_take_now("k", limit)) << "no lease yet: only take() can decide";
  EXPECT_TRUE(limiter_->take("k", limit).allowed);
  EXPECT_EQ(shared_->calls, 1);
  EXPECT_EQ(shared_->tokens_asked, 10.0);
  for (int i = 0; i < 9; ++i) {
    auto d = limiter_->try_take_now("k", limit);
    ASSERT_TRUE(d) << i;
    EXPECT_TRUE(d->allowed);
  }
  EXPECT_FALSE(limiter_->try_take_now("k", limit)) << "the lease of 10 is spent";
  EXPECT_EQ(shared_->calls, 1);
}

TEST_F(LeasedRateLimiterTest, NeverAllowsMoreThanTheSharedBucket) {
  const RateLimit limit{1.0, 100.0};
  int allowed = 0;
  for (int i = 0; i < 300; ++i) {
    auto now = limiter_->try_take_now("k", limit);
    if (now ? now->allowed : limiter_->take("k", limit).allowed) ++allowed;
  }
  EXPECT_EQ(allowed, 100) << "the burst, and not one more, without time passing";
  auto refused = limiter_->take("k", limit);
  EXPECT_FALSE(refused.allowed);
  EXPECT_NEAR(refused.retry_after_s, 1.0, 1e-6) << "the shared bucket's exact wait";
  clock_.now += 5;  // five tokens back in the shared bucket: fewer than a lease
  allowed = 0;
  for (int i = 0; i < 20; ++i) allowed += limiter_->take("k", limit).allowed ? 1 : 0;
  EXPECT_EQ(allowed, 5);
}

TEST_F(LeasedRateLimiterTest, UnspentTokensLapseAndAreNotSpentLater) {
  const RateLimit limit{0.001, 100.0};              // barely refills
  EXPECT_TRUE(limiter_->take("k", limit).allowed);  // a lease of 10, 9 left here
  clock_.now += 1.5;                                // the lease's life is 1 s
  EXPECT_FALSE(limiter_->try_take_now("k", limit));
  EXPECT_TRUE(limiter_->take("k", limit).allowed);  // a new lease from the shared bucket
  EXPECT_EQ(shared_->tokens_asked, 20.0);
}

TEST_F(LeasedRateLimiterTest, GivenBackTokensAreSpentAgain) {
  const RateLimit limit{1.0, 20.0};  // leases of 2
  EXPECT_TRUE(limiter_->take("k", limit).allowed);
  ASSERT_TRUE(limiter_->try_take_now("k", limit));
  EXPECT_FALSE(limiter_->try_take_now("k", limit));
  limiter_->give_back("k", limit);
  EXPECT_TRUE(limiter_->try_take_now("k", limit)) << "the token given back is there again";
}

TEST_F(LeasedRateLimiterTest, SmallBucketsAskTheSharedBucketEveryTime) {
  const RateLimit limit{1.0, 10.0};  // a lease would be 1 token: no lease
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter_->take("k", limit).allowed);
  EXPECT_EQ(shared_->calls, 5);
  EXPECT_FALSE(limiter_->try_take_now("k", limit));
}

TEST_F(LeasedRateLimiterTest, KeysAndUnlimitedBucketsAreIndependent) {
  const RateLimit limit{1.0, 100.0};
  EXPECT_TRUE(limiter_->take("a", limit).allowed);
  EXPECT_FALSE(limiter_->try_take_now("b", limit)) << "a's lease is not b's";
  auto unlimited = limiter_->try_take_now("c", RateLimit{0.0, 0.0});
  ASSERT_TRUE(unlimited);
  EXPECT_TRUE(unlimited->allowed);
}

TEST(LeasedRateLimiterRedis, TwoNodesTogetherStayWithinTheSharedBurst) {
  auto url = testing::shared_redis_url();
  if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
  auto redis = connect_redis(RedisConfig{*url, 4, 2000});
  ASSERT_TRUE(redis.ok()) << redis.error().message;
  auto node_a = make_leased_rate_limiter(make_redis_rate_limiter(**redis));
  auto node_b = make_leased_rate_limiter(make_redis_rate_limiter(**redis));
  const std::string key = "ov-test:" + new_uuid();
  const RateLimit limit{0.001, 200.0};  // leases of 20; refills 1 token in 1000 s
  int allowed = 0;
  for (int i = 0; i < 300; ++i) {
    RateLimiter& node = i % 2 ? *node_a : *node_b;
    auto now = node.try_take_now(key, limit);
    if (now ? now->allowed : node.take(key, limit).allowed) ++allowed;
  }
  EXPECT_LE(allowed, 200) << "never more than the shared bucket";
  EXPECT_GE(allowed, 180) << "at most one lease per node left unspent";
  (void)(*redis)->command({"DEL", "rl:" + key});
}

}  // namespace
}  // namespace ov::cache
