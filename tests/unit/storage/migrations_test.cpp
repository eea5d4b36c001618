#include <atomic>
#include <thread>

#include "backend_fixture.hpp"
#include "core/ids.hpp"
#include "storage/sql/migration_files.hpp"

namespace ov::storage::test {
namespace {

int known_count() {
  return static_cast<int>(sql::embedded_migrations("sqlite").size());
}

NewUser someone(const std::string& email) {
  return NewUser{email, "$argon2id$x", "Someone"};
}

class Migrations : public BackendTest {};

TEST(EmbeddedMigrations, BothBackendsHaveTheSameVersionsAndNames) {
  auto lite = sql::embedded_migrations("sqlite");
  auto pg = sql::embedded_migrations("postgres");
  ASSERT_FALSE(lite.empty());
  ASSERT_EQ(lite.size(), pg.size());
  for (std::size_t i = 0; i < lite.size(); ++i) {
    EXPECT_EQ(lite[i].version, pg[i].version);
    EXPECT_EQ(lite[i].name, pg[i].name);
    EXPECT_FALSE(lite[i].up.empty());
    EXPECT_FALSE(pg[i].up.empty());
    EXPECT_FALSE(lite[i].down.empty());
    EXPECT_FALSE(pg[i].down.empty());
    if (i > 0) {
      EXPECT_LT(lite[i - 1].version, lite[i].version);
    }
  }
  EXPECT_EQ(lite.front().version, 1);
  EXPECT_EQ(lite.front().name, "init");
  EXPECT_TRUE(sql::embedded_migrations("oracle").empty());
}

TEST_P(Migrations, FreshDatabaseListsEverythingPending) {
  auto states = db().migrations();
  ASSERT_EQ(static_cast<int>(states.size()), known_count());
  for (const auto& s : states) {
    EXPECT_FALSE(s.applied) << s.version;
    EXPECT_FALSE(s.applied_at_ms.has_value());
  }
  EXPECT_FALSE(db().migrations_current());
  EXPECT_EQ(db().backend(), GetParam());
}

TEST_P(Migrations, UpAppliesAllOnceAndRecordsWhen) {
  std::int64_t before = now_ms();
  auto applied = db().migrate_up();
  ASSERT_TRUE(applied.ok()) << applied.error().message;
  EXPECT_EQ(applied.value(), known_count());
  EXPECT_TRUE(db().migrations_current());
  for (const auto& s : db().migrations()) {
    EXPECT_TRUE(s.applied);
    ASSERT_TRUE(s.applied_at_ms.has_value());
    EXPECT_GE(*s.applied_at_ms, before);
    EXPECT_LE(*s.applied_at_ms, now_ms());
  }
  auto again = db().migrate_up();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value(), 0);
  EXPECT_EQ(db().users().count(), 0);
}

TEST_P(Migrations, DownRevertsTheNewestAndUpRestoresIt) {
  migrated();
  ASSERT_TRUE(db().users().create(someone("a@example.com")).ok());
  auto reverted = db().migrate_down(1);
  ASSERT_TRUE(reverted.ok()) << reverted.error().message;
  EXPECT_EQ(reverted.value(), 1);
  EXPECT_FALSE(db().migrations_current());
  EXPECT_FALSE(db().migrations().back().applied);
  if (known_count() == 1) {
    EXPECT_THROW(db().users().count(), StorageError);  // the tables went with 0001
  }
  auto reapplied = db().migrate_up();
  ASSERT_TRUE(reapplied.ok()) << reapplied.error().message;
  EXPECT_EQ(reapplied.value(), 1);
  EXPECT_TRUE(db().migrations_current());
  EXPECT_TRUE(db().users().create(someone("b@example.com")).ok());
}

TEST_P(Migrations, DownAllStopsAtNothingLeft) {
  migrated();
  auto all = db().migrate_down(1000);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all.value(), known_count());
  auto none = db().migrate_down(1);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none.value(), 0);
  for (const auto& s : db().migrations()) EXPECT_FALSE(s.applied);
  auto negative = db().migrate_down(-1);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, Errc::invalid_argument);
  auto up = db().migrate_up();
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up.value(), known_count());
}

TEST_P(Migrations, UnknownNewerVersionIsRefusedAndNothingIsTouched) {
  migrated();
  ASSERT_TRUE(db().migrate_down(1000).ok());  // schema_migrations exists, nothing applied
  auto conn = raw();
  auto inserted = conn->query(
      "INSERT INTO schema_migrations (version, name, applied_at) "
      "VALUES (9999, 'from_the_future', " +
          time_param(1) + ")",
      {now_ms()});
  ASSERT_TRUE(inserted.ok()) << inserted.error().message;

  auto up = db().migrate_up();
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.error().code, Errc::conflict);
  EXPECT_NE(up.error().message.find("older than the database"), std::string::npos)
      << up.error().message;
  EXPECT_THROW(db().users().count(), StorageError);  // 0001 was not applied

  auto down = db().migrate_down(1);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, Errc::conflict);

  EXPECT_FALSE(db().migrations_current());
  auto states = db().migrations();
  ASSERT_EQ(static_cast<int>(states.size()), known_count() + 1);
  EXPECT_EQ(states.back().version, 9999);
  EXPECT_EQ(states.back().name, "from_the_future");
  EXPECT_TRUE(states.back().applied);
  EXPECT_FALSE(states.front().applied);
}

TEST_P(Migrations, TwoHandlesMigratingTogetherApplyEachMigrationOnce) {
  auto first = open_another(2);
  auto second = open_another(2);
  for (int round = 0; round < 3; ++round) {
    std::atomic<int> applied{0};
    std::atomic<int> failures{0};
    auto run = [&](Database& handle) {
      auto r = handle.migrate_up();
      if (r.ok()) {
        applied += r.value();
      } else {
        ++failures;
        ADD_FAILURE() << r.error().message;
      }
    };
    std::thread a(run, std::ref(*first));
    std::thread b(run, std::ref(*second));
    a.join();
    b.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(applied.load(), known_count()) << "round " << round;
    EXPECT_TRUE(first->migrations_current());
    auto down = first->migrate_down(1000);
    ASSERT_TRUE(down.ok());
    EXPECT_EQ(down.value(), known_count());
  }
}

OV_STORAGE_BACKENDS(Migrations);

}  // namespace
}  // namespace ov::storage::test
