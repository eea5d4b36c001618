// ScheduleRepository against both backends: a due time is claimed once (also by racing
// processes), the run number fences late finishes, a changed schedule resets the next run.
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend_fixture.hpp"

namespace ov::storage::test {
namespace {

class Schedules : public BackendTest {};

TEST_P(Schedules, EnsureMakesTheRowOnceAndKeepsItsNextRun) {
  auto& repo = migrated().schedules();
  auto made = repo.ensure("tokens.purge", "@every 60000ms", 100'000);
  ASSERT_TRUE(made.ok()) << made.error().message;
  EXPECT_EQ(made->next_run_at_ms, 100'000);
  EXPECT_EQ(made->run_count, 0);
  EXPECT_FALSE(made->last_started_at_ms.has_value());
  auto again = repo.ensure("tokens.purge", "@every 60000ms", 555'000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->next_run_at_ms, 100'000) << "the same schedule keeps its next run";
  auto changed = repo.ensure("tokens.purge", "@every 1000ms", 101'000);
  ASSERT_TRUE(changed.ok());
  EXPECT_EQ(changed->schedule, "@every 1000ms");
  EXPECT_EQ(changed->next_run_at_ms, 101'000) << "a new schedule starts over";
}

TEST_P(Schedules, ADueTimeIsClaimedOnceAndFinishesAreFenced) {
  auto& repo = migrated().schedules();
  ASSERT_TRUE(repo.ensure("backup", "@daily", 1'000).ok());
  auto first = repo.claim("backup", 1'000, 2'000, 1'005, "node-a");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->has_value());
  EXPECT_EQ(**first, 1);
  auto late = repo.claim("backup", 1'000, 2'000, 1'006, "node-b");
  ASSERT_TRUE(late.ok());
  EXPECT_FALSE(late->has_value()) << "that due time is taken";
  auto second = repo.claim("backup", 2'000, 3'000, 2'001, "node-b");
  ASSERT_TRUE(second.ok() && second->has_value());
  EXPECT_EQ(**second, 2);
  ASSERT_TRUE(repo.finish("backup", 2, 2'500, true, "kept 3").ok());
  ASSERT_TRUE(repo.finish("backup", 1, 2'600, false, "late and stale").ok());
  auto rows = repo.list();
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  const auto& row = rows->front();
  EXPECT_EQ(row.run_count, 2);
  EXPECT_EQ(row.next_run_at_ms, 3'000);
  EXPECT_EQ(row.last_started_at_ms, 2'001);
  EXPECT_EQ(row.last_finished_at_ms, 2'500) << "run 1's late finish records nothing";
  EXPECT_EQ(row.last_ok, true);
  EXPECT_EQ(row.last_result, "kept 3");
  EXPECT_EQ(row.last_holder, "node-b");
}

TEST_P(Schedules, RacingProcessesClaimEachDueTimeOnce) {
  migrated();
  ASSERT_TRUE(db().schedules().ensure("race", "@every 10ms", 0).ok());
  std::mutex mu;
  std::multiset<std::int64_t> claimed;  // due times won
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto other = open_another(1);
      for (std::int64_t due = 0; due < 200;) {
        auto r = other->schedules().claim("race", due, due + 10, due, "p" + std::to_string(i));
        if (!r) continue;  // busy database: try the same due time again
        if (r.value()) {
          std::lock_guard lock(mu);
          claimed.insert(due);
        }
        due += 10;
      }
    });
  }
  for (auto& t : threads) t.join();
  // Every due time of the chain 0, 10, ... 190 is won by exactly one process.
  ASSERT_EQ(claimed.size(), 20u);
  for (std::int64_t due = 0; due < 200; due += 10) EXPECT_EQ(claimed.count(due), 1u) << due;
  auto rows = db().schedules().list();
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->front().run_count, 20);
}

OV_STORAGE_BACKENDS(Schedules);

}  // namespace
}  // namespace ov::storage::test
