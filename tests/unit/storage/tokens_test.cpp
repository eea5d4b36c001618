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
  tokens().revoke_family(user_id_, family);
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

TEST_P(Tokens, RotationMarksThePresentedTokenUsedAndStoresTheNextOne) {
  std::string family = new_uuid();
  RefreshToken first = token(family, now_ms() + 60'000);
  tokens().store_refresh(first);
  RefreshToken second = token(family, now_ms() + 60'000);
  auto r = tokens().rotate_refresh(first.jti, user_id_, 0, second);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r.value(), Rotation::rotated);
  EXPECT_TRUE(tokens().find_refresh(first.jti)->used);
  ASSERT_TRUE(tokens().find_refresh(second.jti).has_value());
  EXPECT_FALSE(tokens().find_refresh(second.jti)->used);
}

TEST_P(Tokens, RotationOutcomes) {
  std::string family = new_uuid();
  RefreshToken first = token(family, now_ms() + 60'000);
  tokens().store_refresh(first);
  RefreshToken second = token(family, now_ms() + 60'000);
  ASSERT_EQ(tokens().rotate_refresh(first.jti, user_id_, 0, second).value(), Rotation::rotated);
  // Presenting the used one again: a replay, and the whole family (the newest too) dies.
  RefreshToken third = token(family, now_ms() + 60'000);
  EXPECT_EQ(tokens().rotate_refresh(first.jti, user_id_, 0, third).value(), Rotation::replayed);
  EXPECT_TRUE(tokens().find_refresh(second.jti)->revoked);
  EXPECT_FALSE(tokens().find_refresh(third.jti).has_value());
  EXPECT_EQ(tokens().rotate_refresh(second.jti, user_id_, 0, third).value(), Rotation::revoked);
  EXPECT_EQ(tokens().rotate_refresh(new_uuid(), user_id_, 0, third).value(), Rotation::unknown);
  // Another user's token is unknown to this one.
  auto bob = db().users().create(NewUser{"bob@example.com", "h", "Bob"});
  ASSERT_TRUE(bob.ok());
  RefreshToken fresh = token(new_uuid(), now_ms() + 60'000);
  tokens().store_refresh(fresh);
  EXPECT_EQ(tokens().rotate_refresh(fresh.jti, bob->id, 0, third).value(), Rotation::unknown);
  // A token of an older session epoch.
  EXPECT_EQ(tokens().rotate_refresh(fresh.jti, user_id_, 7, third).value(),
            Rotation::session_ended);
}

TEST_P(Tokens, EndingSessionsRaisesTheEpochRevokesTokensAndClearsTheApiKey) {
  RefreshToken a = token(new_uuid(), now_ms() + 60'000);
  tokens().store_refresh(a);
  SettingsPatch key;
  key.api_key_hash = std::optional<std::string>(std::string(64, 'a'));
  ASSERT_TRUE(db().users().update_settings(user_id_, key).ok());
  UserPatch patch;
  patch.password_hash = "new-hash";
  auto ended = db().users().update_ending_sessions(user_id_, patch, false);
  ASSERT_TRUE(ended.ok()) << ended.error().message;
  EXPECT_EQ(ended->session_epoch, 1);
  EXPECT_EQ(ended->password_hash, "new-hash");
  EXPECT_EQ(db().users().find_by_id(user_id_)->session_epoch, 1);
  EXPECT_TRUE(tokens().find_refresh(a.jti)->revoked);
  EXPECT_FALSE(db().users().settings(user_id_)->api_key_hash.has_value());
  // Kept on request.
  ASSERT_TRUE(db().users().update_settings(user_id_, key).ok());
  auto again = db().users().update_ending_sessions(user_id_, UserPatch{}, true);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->session_epoch, 2);
  EXPECT_TRUE(db().users().settings(user_id_)->api_key_hash.has_value());
  // A plain update keeps the epoch.
  UserPatch name;
  name.name = "Ada L.";
  EXPECT_EQ(db().users().update(user_id_, name)->session_epoch, 2);
  EXPECT_FALSE(db().users().update_ending_sessions(new_uuid(), patch, false).ok());
}

// A rotation racing the end of the user's sessions: whichever wins, no token of the user is
// left live (unused and unrevoked) afterwards.
TEST_P(Tokens, RotationRacingTheEndOfSessionsLeavesNoLiveToken) {
  for (int round = 0; round < 40; ++round) {
    std::string family = new_uuid();
    RefreshToken first = token(family, now_ms() + 60'000);
    tokens().store_refresh(first);
    RefreshToken next = token(family, now_ms() + 60'000);
    std::int64_t epoch = db().users().find_by_id(user_id_)->session_epoch;
    std::thread rotate([&] { (void)tokens().rotate_refresh(first.jti, user_id_, epoch, next); });
    std::thread end(
        [&] { (void)db().users().update_ending_sessions(user_id_, UserPatch{}, true); });
    rotate.join();
    end.join();
    for (const auto& jti : {first.jti, next.jti}) {
      auto t = tokens().find_refresh(jti);
      if (t) {
        EXPECT_TRUE(t->used || t->revoked) << "round " << round << ": " << jti << " is live";
      }
    }
  }
}

TEST_P(Tokens, RotationRacingALogoutOfItsFamilyLeavesNoLiveToken) {
  for (int round = 0; round < 40; ++round) {
    std::string family = new_uuid();
    RefreshToken first = token(family, now_ms() + 60'000);
    tokens().store_refresh(first);
    RefreshToken next = token(family, now_ms() + 60'000);
    std::thread rotate([&] { (void)tokens().rotate_refresh(first.jti, user_id_, 0, next); });
    std::thread logout([&] { tokens().revoke_family(user_id_, family); });
    rotate.join();
    logout.join();
    auto t = tokens().find_refresh(next.jti);
    if (t) {
      EXPECT_TRUE(t->revoked) << "round " << round << ": the new token outlived the logout";
    }
  }
}

TEST_P(Tokens, LiveBlacklistListsUnexpiredEntries) {
  std::int64_t now = now_ms();
  tokens().blacklist_access("live", now + 60'000);
  tokens().blacklist_access("dead", now - 1);
  auto live = tokens().live_blacklist(now);
  ASSERT_EQ(live.size(), 1u);
  EXPECT_EQ(live.front().first, "live");
  EXPECT_NEAR(static_cast<double>(live.front().second), static_cast<double>(now + 60'000), 1.0);
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
