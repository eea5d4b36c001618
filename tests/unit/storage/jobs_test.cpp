// JobRepository (the embedded queue's table) against both backends: leases, tokens, retry and
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

class Jobs : public BackendTest {
 protected:
  std::string make_detection() {
    if (user_.empty()) {
      user_ = migrated().users().create(NewUser{"a@example.com", "h", "A", Role::user}).value().id;
    }
    Detection d;
    d.user_id = user_;
    auto made = db().detections().create(d, {});
    if (!made) throw std::runtime_error(made.error().message);
    return made.value().detection.id;
  }
  std::string user_;
};

TEST_P(Jobs, EnqueueRefusesDuplicatesUnknownAndAFullTable) {
  std::string a = make_detection();
  std::string b = make_detection();
  std::string c = make_detection();
  ASSERT_TRUE(db().jobs().enqueue(a, 3, 2, now_ms()).ok());
  auto twice = db().jobs().enqueue(a, 3, 2, now_ms());
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().code, Errc::conflict);
  auto unknown = db().jobs().enqueue(new_uuid(), 3, 2, now_ms());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::not_found);
  ASSERT_TRUE(db().jobs().enqueue(b, 3, 2, now_ms()).ok());
  auto full = db().jobs().enqueue(c, 3, 2, now_ms());
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::rate_limited);
  auto stats = db().jobs().stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats.value().queued, 2);
  EXPECT_EQ(stats.value().running, 0);
  EXPECT_TRUE(stats.value().oldest_queued_at_ms.has_value());
}

TEST_P(Jobs, LeaseTokenRetryAndDead) {
  std::string a = make_detection();
  std::int64_t t = now_ms();
  ASSERT_TRUE(db().jobs().enqueue(a, 2, 10, t).ok());
  auto first = db().jobs().claim("w1", t, 1000);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(first.value().has_value());
  EXPECT_EQ(first.value()->detection_id, a);
  EXPECT_EQ(first.value()->attempt, 1);
  EXPECT_EQ(first.value()->max_attempts, 2);
  EXPECT_FALSE(db().jobs().claim("w2", t + 500, 1000).value().has_value());  // leased
  EXPECT_TRUE(db().jobs().extend(a, "w1", t + 2000).value());
  EXPECT_FALSE(db().jobs().extend(a, "w2", t + 2000).value());
  EXPECT_FALSE(db().jobs().claim("w2", t + 1500, 1000).value().has_value());  // extended
  // The lease runs out: another token takes it, attempt 2; the first token lost it.
  auto second = db().jobs().claim("w2", t + 2001, 1000);
  ASSERT_TRUE(second.value().has_value());
  EXPECT_EQ(second.value()->attempt, 2);
  EXPECT_FALSE(db().jobs().complete(a, "w1").value());
  EXPECT_FALSE(db().jobs().fail(a, "w1", "late", std::nullopt).value());
  // Retry: not due before retry_at.
  EXPECT_TRUE(db().jobs().fail(a, "w2", "boom", t + 5000).value());
  EXPECT_FALSE(db().jobs().claim("w3", t + 4999, 1000).value().has_value());
  auto third = db().jobs().claim("w3", t + 5000, 1000);
  ASSERT_TRUE(third.value().has_value());
  EXPECT_EQ(third.value()->attempt, 3);
  EXPECT_TRUE(db().jobs().fail(a, "w3", "dead", std::nullopt).value());
  EXPECT_FALSE(db().jobs().claim("w4", t + 1000000, 1000).value().has_value());
  auto stats = db().jobs().stats().value();
  EXPECT_EQ(stats.queued, 0);
  EXPECT_EQ(stats.running, 0);
  EXPECT_TRUE(db().jobs().remove(a).value());  // the dead row stays until removed
  EXPECT_FALSE(db().jobs().remove(a).value());
}

TEST_P(Jobs, CompleteDeletesTheRow) {
  std::string a = make_detection();
  ASSERT_TRUE(db().jobs().enqueue(a, 3, 10, now_ms()).ok());
  auto job = db().jobs().claim("w1", now_ms(), 60000);
  ASSERT_TRUE(job.value().has_value());
  EXPECT_EQ(db().jobs().stats().value().running, 1);
  EXPECT_TRUE(db().jobs().complete(a, "w1").value());
  EXPECT_FALSE(db().jobs().complete(a, "w1").value());
  EXPECT_FALSE(db().jobs().remove(a).value());
  EXPECT_TRUE(db().jobs().enqueue(a, 3, 10, now_ms()).ok());  // may be queued again
}

TEST_P(Jobs, ClaimsFromTwoHandlesNeverShareAJob) {
  constexpr int kJobs = 30;
  std::set<std::string> expected;
  for (int i = 0; i < kJobs; ++i) {
    std::string id = make_detection();
    expected.insert(id);
    ASSERT_TRUE(db().jobs().enqueue(id, 3, 1000, now_ms()).ok());
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
        auto job = handle.jobs().claim("w" + std::to_string(t), now_ms(), 60000);
        if (!job) {
          ++errors;
          return;
        }
        if (!job.value()) return;
        std::lock_guard lock(mutex);
        claimed.push_back(job.value()->detection_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), static_cast<std::size_t>(kJobs));
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), expected);
}

OV_STORAGE_BACKENDS(Jobs);

}  // namespace
}  // namespace ov::storage::test
