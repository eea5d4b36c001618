#include <map>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "../cache/redis_test_server.hpp"
#include "auth/blacklist.hpp"
#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "storage/database.hpp"

namespace ov::auth {
namespace {

// A TokenRepository that keeps the blacklist in a map and counts lookups (the storage module is
// not under test here and has its own tests against both databases; what the blacklists do
// with it is).
class RecordingTokens final : public storage::TokenRepository {
 public:
  std::map<std::string, std::int64_t> blacklisted;
  int lookups = 0;

  void store_refresh(const RefreshToken&) override {}
  std::optional<RefreshToken> find_refresh(const std::string&) override { return std::nullopt; }
  bool mark_refresh_used(const std::string&) override { return false; }
  Result<storage::Rotation> rotate_refresh(const std::string&, const std::string&, std::int64_t,
                                           const RefreshToken&) override {
    return storage::Rotation::unknown;
  }
  void revoke_family(const std::string&, const std::string&) override {}
  void revoke_refresh(const std::string&) override {}
  void revoke_user(const std::string&) override {}
  void blacklist_access(const std::string& jti, std::int64_t expires_at_ms) override {
    blacklisted[jti] = expires_at_ms;
  }
  bool is_access_blacklisted(const std::string& jti) override {
    ++lookups;
    auto it = blacklisted.find(jti);
    return it != blacklisted.end() && it->second > now_ms();
  }
  std::vector<std::pair<std::string, std::int64_t>> live_blacklist(std::int64_t now) override {
    std::vector<std::pair<std::string, std::int64_t>> out;
    for (const auto& [jti, expires] : blacklisted) {
      if (expires > now) out.emplace_back(jti, expires);
    }
    return out;
  }
  std::int64_t purge_expired(std::int64_t) override { return 0; }
};

TEST(DbBlacklist, ForwardsToTheTokenRepository) {
  RecordingTokens tokens;
  auto blacklist = make_db_blacklist(tokens);
  EXPECT_FALSE(blacklist->contains("a"));
  blacklist->add("a", now_ms() + 60'000);
  EXPECT_GT(tokens.blacklisted.at("a"), now_ms());
  EXPECT_TRUE(blacklist->contains("a"));
  EXPECT_FALSE(blacklist->contains("b"));
  EXPECT_EQ(tokens.lookups, 3);
}

class CachedBlacklist : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = ov::testing::shared_redis_url();
    if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
    auto redis = cache::connect_redis(cache::RedisConfig{*url, 2, 2000});
    ASSERT_TRUE(redis.ok()) << redis.error().message;
    redis_ = std::move(redis).value();
    (void)redis_->command({"DEL", kRedisBlacklistKey});
    blacklist_ = make_cached_blacklist(tokens_, *redis_);
  }
  void TearDown() override {
    if (redis_) (void)redis_->command({"DEL", kRedisBlacklistKey});
  }
  bool cached(const std::string& jti) {
    auto r = redis_->command({"ZSCORE", kRedisBlacklistKey, jti});
    return r && r->type == cache::RedisReply::Type::string;
  }
  RecordingTokens tokens_;
  std::unique_ptr<cache::Redis> redis_;
  std::unique_ptr<AccessBlacklist> blacklist_;
};

TEST_F(CachedBlacklist, TheDatabaseIsTheRecordAndRedisAnswersOnceFilled) {
  std::string jti = new_uuid();
  EXPECT_FALSE(blacklist_->contains(jti));  // fills the empty cache from the database
  EXPECT_TRUE(cached(kRedisBlacklistSentinel));
  blacklist_->add(jti, now_ms() + 60'000);
  EXPECT_EQ(tokens_.blacklisted.count(jti), 1u);
  EXPECT_TRUE(cached(jti));
  int lookups = tokens_.lookups;
  EXPECT_TRUE(blacklist_->contains(jti));
  EXPECT_FALSE(blacklist_->contains(new_uuid()));
  EXPECT_EQ(tokens_.lookups, lookups) << "a filled cache answers without the database";
}

TEST_F(CachedBlacklist, ALostCacheIsRefilledFromTheDatabase) {
  std::string jti = new_uuid();
  EXPECT_FALSE(blacklist_->contains(new_uuid()));
  blacklist_->add(jti, now_ms() + 60'000);
  ASSERT_TRUE(redis_->command({"FLUSHDB"}).ok());  // a restart without persistence, an eviction
  EXPECT_TRUE(blacklist_->contains(jti));
  EXPECT_TRUE(cached(jti)) << "refilled";
  EXPECT_TRUE(cached(kRedisBlacklistSentinel));
}

TEST_F(CachedBlacklist, AnEntryAddedBeforeTheCacheIsFilledIsFoundAfter) {
  std::string jti = new_uuid();
  blacklist_->add(jti, now_ms() + 60'000);  // the set is not filled: only the database has it
  EXPECT_TRUE(blacklist_->contains(jti));
}

TEST_F(CachedBlacklist, ExpiredEntriesDoNotCount) {
  std::string jti = new_uuid();
  EXPECT_FALSE(blacklist_->contains(new_uuid()));
  blacklist_->add(jti, now_ms() - 1000);
  EXPECT_FALSE(blacklist_->contains(jti));
}

TEST(CachedBlacklistOutage, AsksTheDatabaseWhenRedisIsDown) {
  auto server = ov::testing::RedisServer::start();
  if (!server) GTEST_SKIP() << "redis-server is not installed or did not start";
  auto redis = cache::connect_redis(cache::RedisConfig{server->url(), 1, 500});
  ASSERT_TRUE(redis.ok()) << redis.error().message;
  RecordingTokens tokens;
  auto blacklist = make_cached_blacklist(tokens, **redis);
  blacklist->add("logged-out", now_ms() + 60'000);
  ASSERT_TRUE(blacklist->contains("logged-out"));
  server->stop();
  EXPECT_TRUE(blacklist->contains("logged-out")) << "a logout holds through a Redis outage";
  blacklist->add("another", now_ms() + 60'000);  // the database keeps it; the cache error is logged
  EXPECT_TRUE(blacklist->contains("another"));
  EXPECT_FALSE(blacklist->contains("never"));
}

}  // namespace
}  // namespace ov::auth
