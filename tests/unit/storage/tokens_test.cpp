#include <atomic>
#include <thread>
#include <vector>

#include "backend_fixture.hpp"
#include "core/ids.hpp"

namespace ov::storage::test {
namespace {

class Tokens : public BackendTest {
 protected:
  void SetUp() override {
    BackendTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto created = migrated().users().create(NewUser{"ada@example.com", "h", "Ada"});
    ASSERT_TRUE(created.ok()) << created.error().message;
    user_id_ = created->id;
  }
  TokenRepository& tokens() { return db().tokens(); }
  RefreshToken token(const std::string& family, std::int64_t expires_at_ms) {
    return RefreshToken{new_uuid(), user_id_, family, now_ms(), expires_at_ms};
  }
  std::string user_id_;
};

TEST_P(Tokens, StoreAndFindRoundTrip) {
  RefreshToken t{new_uuid(), user_id_, new_uuid(), 1795485995123, 1796695595456};
  tokens().store_refresh(t);
  auto found = tokens().find_refresh(t.jti);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->jti, t.jti);
  EXPECT_EQ(found->user_id, user_id_);
  EXPECT_EQ(found->family_id, t.family_id);
  EXPECT_EQ(found->issued_at_ms, 1795485995123);
  EXPECT_EQ(found->expires_at_ms, 1796695595456);
  EXPECT_FALSE(found->used);
  EXPECT_FALSE(found->revoked);
  EXPECT_FALSE(tokens().find_refresh(new_uuid()).has_value());
}

TEST_P(Tokens, TokenOfAnUnknownUserIsRefused) {
  // Foreign keys are enforced (SQLite needs PRAGMA foreign_keys on every connection).
  RefreshToken orphan{new_uuid(), new_uuid(), new_uuid(), now_ms(), now_ms() + 1000};
  EXPECT_THROW(tokens().store_refresh(orphan), StorageError);
  EXPECT_FALSE(tokens().find_refresh(orphan.jti).has_value());
}

TEST_P(Tokens, MarkUsedSucceedsOnlyOnce) {
  RefreshToken t = token(new_uuid(), now_ms() + 60'000);
  tokens().store_refresh(t);
  EXPECT_TRUE(tokens().mark_refresh_used(t.jti));
  EXPECT_FALSE(tokens().mark_refresh_used(t.jti));
  EXPECT_TRUE(tokens().find_refresh(t.jti)->used);
  EXPECT_FALSE(tokens().mark_refresh_used(new_uuid()));
}

TEST_P(Tokens, RevokedTokenCannotBeMarkedUsed) {
  RefreshToken t = token(new_uuid(), now_ms() + 60'000);
  tokens().store_refresh(t);
  tokens().revoke_refresh(t.jti);
  EXPECT_TRUE(tokens().find_refresh(t.jti)->revoked);
  EXPECT_FALSE(tokens().mark_refresh_used(t.jti));
  EXPECT_FALSE(tokens().find_refresh(t.jti)->used);
}

TEST_P(Tokens, RevokeFamilyRevokesOnlyThatFamily) {
  std::string family = new_uuid();
  std::string other = new_uuid();
  std::vector<RefreshToken> mine;
  for (int i = 0; i < 3; ++i) {
    mine.push_back(token(family, now_ms() + 60'000));
    tokens().store_refresh(mine.back());
  }
  RefreshToken theirs = token(other, now_ms() + 60'000);
  tokens().store_refresh(theirs);
  tokens().revoke_family(family);
  for (const auto& t : mine) {
    EXPECT_TRUE(tokens().find_refresh(t.jti)->revoked);
    EXPECT_FALSE(tokens().mark_refresh_used(t.jti));
  }
  EXPECT_FALSE(tokens().find_refresh(theirs.jti)->revoked);
  EXPECT_TRUE(tokens().mark_refresh_used(theirs.jti));
}

TEST_P(Tokens, RevokeUserRevokesEveryFamilyOfThatUserOnly) {
  RefreshToken a = token(new_uuid(), now_ms() + 60'000);
  RefreshToken b = token(new_uuid(), now_ms() + 60'000);
  tokens().store_refresh(a);
  tokens().store_refresh(b);
  auto other = db().users().create(NewUser{"bob@example.com", "h", "Bob"});
  ASSERT_TRUE(other.ok());
  RefreshToken theirs{new_uuid(), other->id, new_uuid(), now_ms(), now_ms() + 60'000};
  tokens().store_refresh(theirs);
  tokens().revoke_user(user_id_);
  EXPECT_TRUE(tokens().find_refresh(a.jti)->revoked);
  EXPECT_TRUE(tokens().find_refresh(b.jti)->revoked);
  EXPECT_FALSE(tokens().find_refresh(theirs.jti)->revoked);
}

TEST_P(Tokens, ConcurrentPresentationsOfOneTokenHaveOneWinner) {
  RefreshToken t = token(new_uuid(), now_ms() + 60'000);
  tokens().store_refresh(t);
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (tokens().mark_refresh_used(t.jti)) ++winners;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(Tokens, BlacklistAddContainsAndRepeat) {
  std::string jti = new_uuid();
  EXPECT_FALSE(tokens().is_access_blacklisted(jti));
  tokens().blacklist_access(jti, now_ms() + 60'000);
  EXPECT_TRUE(tokens().is_access_blacklisted(jti));
  tokens().blacklist_access(jti, now_ms() + 60'000);  // a second logout is harmless
  EXPECT_TRUE(tokens().is_access_blacklisted(jti));
  EXPECT_FALSE(tokens().is_access_blacklisted(new_uuid()));
}

TEST_P(Tokens, PurgeDeletesOnlyExpiredRows) {
  std::int64_t now = now_ms();
  RefreshToken old1 = token(new_uuid(), now - 1000);
  RefreshToken old2 = token(new_uuid(), now);
  RefreshToken live = token(new_uuid(), now + 60'000);
  for (const auto& t : {old1, old2, live}) tokens().store_refresh(t);
  std::string gone = new_uuid();
  std::string kept = new_uuid();
  tokens().blacklist_access(gone, now - 5);
  tokens().blacklist_access(kept, now + 60'000);

  EXPECT_EQ(tokens().purge_expired(now), 3);
  EXPECT_FALSE(tokens().find_refresh(old1.jti).has_value());
  EXPECT_FALSE(tokens().find_refresh(old2.jti).has_value());
  EXPECT_TRUE(tokens().find_refresh(live.jti).has_value());
  EXPECT_FALSE(tokens().is_access_blacklisted(gone));
  EXPECT_TRUE(tokens().is_access_blacklisted(kept));
  EXPECT_EQ(tokens().purge_expired(now), 0);
}

OV_STORAGE_BACKENDS(Tokens);

}  // namespace
}  // namespace ov::storage::test
