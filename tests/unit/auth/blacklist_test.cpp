#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "../cache/redis_test_server.hpp"
#include "auth/blacklist.hpp"
#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "storage/database.hpp"

namespace ov::auth {
namespace {

// A TokenRepository that records the blacklist calls (the storage module is not under test;
// the forwarding is).
class RecordingTokens final : public storage::TokenRepository {
 public:
  std::map<std::string, std::int64_t> blacklisted;
  int lookups = 0;

  void store_refresh(const RefreshToken&) override {}
  std::optional<RefreshToken> find_refresh(const std::string&) override { return std::nullopt; }
  bool mark_refresh_used(const std::string&) override { return false; }
  void revoke_family(const std::string&) override {}
  void revoke_refresh(const std::string&) override {}
  void revoke_user(const std::string&) override {}
  void blacklist_access(const std::string& jti, std::int64_t expires_at_ms) override {
    blacklisted[jti] = expires_at_ms;
  }
  bool is_access_blacklisted(const std::string& jti) override {
    ++lookups;
    return blacklisted.count(jti) > 0;
  }
  std::int64_t purge_expired(std::int64_t) override { return 0; }
};

TEST(DbBlacklist, ForwardsToTheTokenRepository) {
  RecordingTokens tokens;
  auto blacklist = make_db_blacklist(tokens);
  EXPECT_FALSE(blacklist->contains("a"));
  blacklist->add("a", 1234);
  EXPECT_EQ(tokens.blacklisted.at("a"), 1234);
  EXPECT_TRUE(blacklist->contains("a"));
  EXPECT_FALSE(blacklist->contains("b"));
  EXPECT_EQ(tokens.lookups, 3);
}

class RedisBlacklist : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = ov::testing::shared_redis_url();
    if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
    auto redis = cache::connect_redis(cache::RedisConfig{*url, 2, 2000});
    ASSERT_TRUE(redis.ok()) << redis.error().message;
    redis_ = std::move(redis).value();
    blacklist_ = make_redis_blacklist(*redis_);
  }
  std::unique_ptr<cache::Redis> redis_;
  std::unique_ptr<AccessBlacklist> blacklist_;
};

TEST_F(RedisBlacklist, AddThenContainsWithTheTokensRemainingLifetimeAsTtl) {
  std::string jti = new_uuid();
  EXPECT_FALSE(blacklist_->contains(jti));
  blacklist_->add(jti, now_ms() + 60'000);
  EXPECT_TRUE(blacklist_->contains(jti));
  EXPECT_FALSE(blacklist_->contains(new_uuid()));
  std::int64_t ttl = redis_->command({"PTTL", "bl:" + jti})->integer;
  EXPECT_GT(ttl, 55'000);
  EXPECT_LE(ttl, 60'000);
  (void)redis_->command({"DEL", "bl:" + jti});
}

TEST_F(RedisBlacklist, EntriesVanishWhenTheTokenWouldHaveExpired) {
  std::string jti = new_uuid();
  blacklist_->add(jti, now_ms() + 200);
  EXPECT_TRUE(blacklist_->contains(jti));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(blacklist_->contains(jti));
}

TEST_F(RedisBlacklist, AnAlreadyExpiredTokenGetsTheShortestTtl) {
  std::string jti = new_uuid();
  blacklist_->add(jti, now_ms() - 5000);  // PX must be positive: at least 1 ms
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(blacklist_->contains(jti));
}

TEST(RedisBlacklistOutage, FailsOpenWhenRedisIsDown) {
  auto server = ov::testing::RedisServer::start();
  if (!server) GTEST_SKIP() << "redis-server is not installed or did not start";
  auto redis = cache::connect_redis(cache::RedisConfig{server->url(), 1, 500});
  ASSERT_TRUE(redis.ok()) << redis.error().message;
  auto blacklist = make_redis_blacklist(**redis);
  blacklist->add("logged-out", now_ms() + 60'000);
  ASSERT_TRUE(blacklist->contains("logged-out"));
  server->stop();
  EXPECT_FALSE(blacklist->contains("logged-out"));  // documented choice: let tokens through
  blacklist->add("another", now_ms() + 60'000);     // logged, not thrown
  EXPECT_FALSE(blacklist->contains("another"));
}

}  // namespace
}  // namespace ov::auth
