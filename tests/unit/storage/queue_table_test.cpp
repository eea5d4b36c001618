// QueueTable (the embedded queue's table) against both backends: leases, tokens, retry and
// dead states, depth bound, and claim atomicity across independent handles.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend_fixture.hpp"
#include "core/ids.hpp"

namespace ov::storage::test {
namespace {

class Queue : public BackendTest {
 protected:
  // A job without a table entry (its entry went to the outbox): the tests enqueue it.
  std::string make_job() {
    if (user_.empty()) {
      user_ = migrated().users().create(NewUser{"a@example.com", "h", "A", Role::user}).value().id;
    }
    Job d;
    d.user_id = user_;
    QueueEntry elsewhere;
    elsewhere.kind = QueueEntry::Kind::outbox;
    auto made = db().jobs().create(d, {}, elsewhere);
    if (!made) throw std::runtime_error(made.error().message);
    return made.value().job.id;
  }
  std::string user_;
};

TEST_P(Queue, EnqueueRefusesDuplicatesUnknownAndAFullTable) {
  std::string a = make_job();
  std::string b = make_job();
  std::string c = make_job();
  ASSERT_TRUE(db().queue_table().enqueue(a, 3, 2, now_ms()).ok());
  auto twice = db().queue_table().enqueue(a, 3, 2, now_ms());
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  auto unknown = db().queue_table().enqueue(new_uuid(), 3, 2, now_ms());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);
  ASSERT_TRUE(db().queue_table().enqueue(b, 3, 2, now_ms()).ok());
  auto full = db().queue_table().enqueue(c, 3, 2, now_ms());
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::rate_limited);
  auto stats = db().queue_table().stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats.value().queued, 2);
  EXPECT_EQ(stats.value().running, 0);
  EXPECT_TRUE(stats.value().oldest_queued_at_ms.has_value());
}

TEST_P(Queue, LeaseTokenRetryAndDead) {
  std::string a = make_job();
  std::int64_t t = now_ms();
  ASSERT_TRUE(db().queue_table().enqueue(a, 2, 10, t).ok());
  auto first = db().queue_table().claim("w1", t, 1000);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first.value().has_value());
  EXPECT_EQ(first.value()->job_id, a);
  EXPECT_EQ(first.value()->attempt, 1);
  EXPECT_EQ(first.value()->max_attempts, 2);
  EXPECT_FALSE(db().queue_table().claim("w2", t + 500, 1000).value().has_value());  // leased
  EXPECT_TRUE(db().queue_table().extend(a, "w1", t + 2000).value());
  EXPECT_FALSE(db().queue_table().extend(a, "w2", t + 2000).value());
  EXPECT_FALSE(db().queue_table().claim("w2", t + 1500, 1000).value().has_value());  // extended
  // The lease runs out: another token takes it, attempt 2; the first token lost it.
  auto second = db().queue_table().claim("w2", t + 2001, 1000);
  ASSERT_TRUE(second.value().has_value());
  EXPECT_EQ(second.value()->attempt, 2);
  EXPECT_FALSE(db().queue_table().complete(a, "w1").value());
  EXPECT_FALSE(db().queue_table().fail(a, "w1", "late", std::nullopt).value());
  // Retry: not due before retry_at.
  EXPECT_TRUE(db().queue_table().fail(a, "w2", "boom", t + 5000).value());
  EXPECT_FALSE(db().queue_table().claim("w3", t + 4999, 1000).value().has_value());
  auto third = db().queue_table().claim("w3", t + 5000, 1000);
  ASSERT_TRUE(third.value().has_value());
  EXPECT_EQ(third.value()->attempt, 3);
  EXPECT_TRUE(db().queue_table().fail(a, "w3", "dead", std::nullopt).value());
  EXPECT_FALSE(db().queue_table().claim("w4", t + 1000000, 1000).value().has_value());
  auto stats = db().queue_table().stats().value();
  EXPECT_EQ(stats.queued, 0);
  EXPECT_EQ(stats.running, 0);
  EXPECT_TRUE(db().queue_table().remove(a).value());  // the dead row stays until removed
  EXPECT_FALSE(db().queue_table().remove(a).value());
}

TEST_P(Queue, CompleteDeletesTheRow) {
  std::string a = make_job();
  ASSERT_TRUE(db().queue_table().enqueue(a, 3, 10, now_ms()).ok());
  auto job = db().queue_table().claim("w1", now_ms(), 60000);
  ASSERT_TRUE(job.value().has_value());
  EXPECT_EQ(db().queue_table().stats().value().running, 1);
  EXPECT_TRUE(db().queue_table().complete(a, "w1").value());
  EXPECT_FALSE(db().queue_table().complete(a, "w1").value());
  EXPECT_FALSE(db().queue_table().remove(a).value());
  EXPECT_TRUE(db().queue_table().enqueue(a, 3, 10, now_ms()).ok());  // may be queued again
}

TEST_P(Queue, ClaimsFromTwoHandlesNeverShareAJob) {
  constexpr int kJobs = 30;
  std::set<std::string> expected;
  for (int i = 0; i < kJobs; ++i) {
    std::string id = make_job();
    expected.insert(id);
    ASSERT_TRUE(db().queue_table().enqueue(id, 3, 1000, now_ms()).ok());
  }
  auto other = open_another(4);
  std::mutex mutex;
  std::vector<std::string> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    Database& handle = t % 2 ? *other : db();
    threads.emplace_back([&, t, &handle = handle] {
      while (true) {
        auto job = handle.queue_table().claim("w" + std::to_string(t), now_ms(), 60000);
        if (!job) {
          ++errors;
          return;
        }
        if (!job.value()) return;
        std::lock_guard lock(mutex);
        claimed.push_back(job.value()->job_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), expected);
}

TEST_P(Queue, StatesSayWhereEachJobStands) {
  std::string waiting = make_job();
  std::string running = make_job();
  std::string dead = make_job();
  std::string absent = make_job();
  std::int64_t t = now_ms();
  ASSERT_TRUE(db().queue_table().enqueue(running, 1, 10, t).ok());
  auto claimed = db().queue_table().claim("w", t, 60'000);
  ASSERT_TRUE(claimed.ok() && claimed.value());
  ASSERT_EQ(claimed.value()->job_id, running);
  ASSERT_TRUE(db().queue_table().enqueue(waiting, 1, 10, t).ok());
  ASSERT_TRUE(db().queue_table().enqueue(dead, 1, 10, t - 1).ok());
  auto dying = db().queue_table().claim("w2", t, 60'000);
  ASSERT_TRUE(dying.ok() && dying.value());
  ASSERT_EQ(dying.value()->job_id, dead);
  ASSERT_TRUE(db().queue_table().fail(dead, dying.value()->token, "boom", std::nullopt).value());
  auto states = db().queue_table().states({waiting, running, dead, absent, "not-a-uuid"});
  ASSERT_TRUE(states.ok()) << states.error().message;
  ASSERT_EQ(states->size(), 5u);
  EXPECT_EQ(states->at(0).kind, QueueState::Kind::waiting);
  EXPECT_EQ(states->at(1).kind, QueueState::Kind::running);
  EXPECT_EQ(states->at(2).kind, QueueState::Kind::dead);
  EXPECT_EQ(states->at(2).error, "boom");
  EXPECT_EQ(states->at(3).kind, QueueState::Kind::absent);
  EXPECT_EQ(states->at(4).kind, QueueState::Kind::absent);
}

OV_STORAGE_BACKENDS(Queue);

}  // namespace
}  // namespace ov::storage::test
