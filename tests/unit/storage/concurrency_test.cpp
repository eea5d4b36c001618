#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "backend_fixture.hpp"
#include "core/ids.hpp"

namespace ov::storage::test {
namespace {

class Concurrency : public BackendTest {};

// Eight threads share one handle and run the whole repository surface at once.
void exercise(Database& db, int thread, int rounds, std::atomic<int>& failures) {
  auto fail = [&](const std::string& what) {
    ++failures;
    ADD_FAILURE() << "thread " << thread << ": " << what;
  };
  for (int i = 0; i < rounds; ++i) {
    std::string email = "t" + std::to_string(thread) + "-" + std::to_string(i) + "@example.com";
    auto created = db.users().create(NewUser{email, "h", "T"});
    if (!created) return fail("create: " + created.error().message);
    auto found = db.users().find_by_email(email);
    if (!found || found->id != created->id) return fail("find_by_email " + email);
    auto renamed = db.users().update(created->id, UserPatch{.name = email});
    if (!renamed || renamed->name != email) return fail("update");
    auto key = db.users().update_settings(created->id, SettingsPatch{.api_key_hash = email});
    if (!key) return fail("update_settings: " + key.error().message);
    auto by_key = db.users().find_by_api_key_hash(email);
    if (!by_key || by_key->id != created->id) return fail("find_by_api_key_hash");

    RefreshToken t{new_uuid(), created->id, new_uuid(), now_ms(), now_ms() + 60'000};
    db.tokens().store_refresh(t);
    if (!db.tokens().mark_refresh_used(t.jti)) return fail("first mark_refresh_used");
    if (db.tokens().mark_refresh_used(t.jti)) return fail("second mark_refresh_used");
    db.tokens().blacklist_access(t.jti, now_ms() + 60'000);
    if (!db.tokens().is_access_blacklisted(t.jti)) return fail("blacklist");
  }
}

TEST_P(Concurrency, EightThreadsOnOneHandle) {
  constexpr int kThreads = 8;
  constexpr int kRounds = 15;
  auto handle = open_another(4);  // fewer connections than threads: callers wait for one
  ASSERT_TRUE(handle->migrate_up().ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { exercise(*handle, t, kRounds, failures); });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(handle->users().count(), kThreads * kRounds);
}

TEST_P(Concurrency, RacingSignupsForOneEmailHaveOneWinner) {
  migrated();
  std::atomic<int> created{0};
  std::atomic<int> conflicts{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto r = db().users().create(NewUser{"same@example.com", "h", "S"});
      if (r.ok()) {
        ++created;
      } else if (r.error().code == Errc::conflict) {
        ++conflicts;
      } else {
        ADD_FAILURE() << r.error().message;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(conflicts.load(), 7);
  EXPECT_EQ(db().users().count(), 1);
}

TEST_P(Concurrency, OneConnectionServesManyThreadsInTurn) {
  auto handle = open_another(1);
  ASSERT_TRUE(handle->migrate_up().ok());
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] { exercise(*handle, t, 3, failures); });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(handle->users().count(), 24);
}

OV_STORAGE_BACKENDS(Concurrency);

}  // namespace
}  // namespace ov::storage::test
