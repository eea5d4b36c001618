// The caches' Redis tier against a real Redis (OV_TEST_REDIS_URL; a private one for the outage):
// a value is served only under the generation its reader saw, so no interleaving of a reader's
// store with a write leaves a stale value served.
#include "cache/shared_tier.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "redis_test_server.hpp"

namespace ov::cache {
namespace {

using namespace std::chrono_literals;

class SharedTierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::shared_redis_url();
    if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
    auto r = connect_redis(RedisConfig{*url, 2, 2000});
    ASSERT_TRUE(r.ok()) << r.error().message;
    redis_ = std::move(r).value();
    prefix_ = "ov-test:" + new_uuid() + ":";
    tier_ = std::make_unique<SharedTier>(*redis_, 60s, prefix_);
  }

  std::int64_t pttl(const std::string& key) {
    auto r = redis_->command({"PTTL", prefix_ + key});
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->integer : -100;
  }

  std::unique_ptr<Redis> redis_;
  std::string prefix_;
  std::unique_ptr<SharedTier> tier_;
};

TEST_F(SharedTierTest, AMissGivesTheGenerationAndAStoredValueIsThenServed) {
  auto first = tier_->get("user", "u1");
  EXPECT_FALSE(first.value);
  ASSERT_TRUE(first.generation);
  EXPECT_EQ(*first.generation, "0") << "a key never written";
  tier_->put("user", "u1", {}, *first.generation, "alice", 30s);
  auto second = tier_->get("user", "u1");
  ASSERT_TRUE(second.value);
  EXPECT_EQ(*second.value, "alice");
  EXPECT_GT(pttl("v:user:u1"), 0);
  EXPECT_LE(pttl("v:user:u1"), 30'000);
  EXPECT_EQ(tier_->stats().hits, 1u);
  EXPECT_EQ(tier_->stats().misses, 1u);
}

TEST_F(SharedTierTest, AWriteMakesTheValueStaleForEveryReader) {
  auto read = tier_->get("user", "u1");
  tier_->put("user", "u1", {}, *read.generation, "old", 30s);
  tier_->invalidate("user", "u1");
  auto after = tier_->get("user", "u1");
  EXPECT_FALSE(after.value) << "stored before the write: never served after it";
  ASSERT_TRUE(after.generation);
  EXPECT_EQ(*after.generation, "1");
  tier_->put("user", "u1", {}, *after.generation, "new", 30s);
  EXPECT_EQ(tier_->get("user", "u1").value.value_or(""), "new");
  // The generation outlives the longest TTL twice.
  EXPECT_GT(pttl("g:user:u1"), 60'000);
  EXPECT_LE(pttl("g:user:u1"), 120'000);
}

TEST_F(SharedTierTest, AReaderThatStoresAfterAWriteItDidNotSeeLeavesNothingServed) {
  // Reader: takes the generation, reads the database (the old value)...
  auto reader = tier_->get("job", "j1");
  // ...a write commits and raises the generation...
  tier_->invalidate("job", "j1");
  // ...then the reader stores what it read.
  tier_->put("job", "j1", {}, *reader.generation, "old status", 30s);
  EXPECT_FALSE(tier_->get("job", "j1").value) << "the racing store is never served";
}

TEST_F(SharedTierTest, FieldsOfAKeyAreKeptApartAndForgottenTogether) {
  auto g = *tier_->get("history", "u1", "limit=10").generation;
  tier_->put("history", "u1", "limit=10", g, "page A", 30s);
  tier_->put("history", "u1", "limit=20", g, "page B", 30s);
  tier_->put("history", "u2", "limit=10", g, "other user", 30s);
  EXPECT_EQ(tier_->get("history", "u1", "limit=10").value.value_or(""), "page A");
  EXPECT_EQ(tier_->get("history", "u1", "limit=20").value.value_or(""), "page B");
  tier_->invalidate("history", "u1");
  EXPECT_FALSE(tier_->get("history", "u1", "limit=10").value);
  EXPECT_FALSE(tier_->get("history", "u1", "limit=20").value);
  EXPECT_EQ(tier_->get("history", "u2", "limit=10").value.value_or(""), "other user");
  EXPECT_FALSE(tier_->get("user", "u1", "limit=10").value) << "spaces are apart";
}

TEST_F(SharedTierTest, TtlsAreBoundedByTheLongest) {
  tier_->put("user", "u9", {}, "0", "x", 10min);
  EXPECT_LE(pttl("v:user:u9"), 60'000);
}

TEST(SharedTierOutage, ARedisThatIsDownIsAMissWithNoGenerationAndCountsFailures) {
  auto server = testing::RedisServer::start();
  if (!server) GTEST_SKIP() << "redis-server is not installed";
  auto r = connect_redis(RedisConfig{server->url(), 2, 500});
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto redis = std::move(r).value();
  SharedTier tier(*redis, 60s);
  tier.put("user", "u1", {}, *tier.get("user", "u1").generation, "alice", 30s);
  ASSERT_EQ(tier.get("user", "u1").value.value_or(""), "alice");
  server->stop();
  auto down = tier.get("user", "u1");
  EXPECT_FALSE(down.value);
  EXPECT_FALSE(down.generation) << "nothing may be stored after a failed read";
  tier.invalidate("user", "u1");  // logged and counted, never thrown
  EXPECT_EQ(tier.stats().failures, 2u);
  ASSERT_TRUE(server->restart());
  auto back = tier.get("user", "u1");  // a new connection
  EXPECT_TRUE(back.generation);
}

}  // namespace
}  // namespace ov::cache
