// The JobQueue contract, run against the embedded queue (SQLite, PostgreSQL) and Redis Streams.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "queue_fixture.hpp"

namespace ov::queue::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

QueueSettings fast() {
  QueueSettings s;
  s.max_depth = 5;
  s.max_attempts = 3;
  s.visibility_timeout_s = 0.3;
  s.retry_backoff_s = 0.1;
  return s;
}

class JobQueueContract : public QueueTest {};

std::optional<ClaimedJob> take(JobQueue& q, const std::string& worker,
                               std::chrono::milliseconds wait = 0ms) {
  auto job = q.claim(worker, wait);
  if (!job) throw std::runtime_error("claim: " + job.error().message);
  return job.value();
}

TEST_P(JobQueueContract, FirstInFirstOut) {
  JobQueue& q = make_queue(fast());
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(new_job_id());
    ASSERT_TRUE(q.enqueue(ids.back()).ok());
  }
  for (int i = 0; i < 5; ++i) {
    auto job = take(q, "w1");
    ASSERT_TRUE(job.has_value()) << i;
    EXPECT_EQ(job->job_id, ids[i]);
    EXPECT_EQ(job->attempt, 1);
    EXPECT_FALSE(job->exhausted);
    auto done = q.complete(*job);
    ASSERT_TRUE(done.ok());
    EXPECT_TRUE(done.value());
  }
  EXPECT_FALSE(take(q, "w1").has_value());
}

TEST_P(JobQueueContract, DepthIsBoundedAndJobsAreUnique) {
  JobQueue& q = make_queue(fast());
  std::string first = new_job_id();
  ASSERT_TRUE(q.enqueue(first).ok());
  auto again = q.enqueue(first);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  auto full = q.enqueue(new_job_id());
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.error().code, Errc::rate_limited);
  auto job = take(q, "w1");  // a claimed job no longer counts as waiting
  ASSERT_TRUE(job.has_value());
  EXPECT_TRUE(q.enqueue(new_job_id()).ok());
  EXPECT_FALSE(q.enqueue(new_job_id()).ok());
}

TEST_P(JobQueueContract, FourThreadsClaimEachJobOnce) {
  QueueSettings s = fast();
  s.max_depth = 1000;
  s.visibility_timeout_s = 30;
  constexpr int kJobs = 40;
  std::set<std::string> expected;
  JobQueue& producer = make_queue(s);
  for (int i = 0; i < kJobs; ++i) {
    std::string id = new_job_id();
    expected.insert(id);
    ASSERT_TRUE(producer.enqueue(id).ok());
  }
  std::mutex mutex;
  std::vector<std::string> claimed;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  std::vector<JobQueue*> queues;
  for (int t = 0; t < 4; ++t) queues.push_back(&make_queue(s));  // one per "process"
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string worker = "worker-" + std::to_string(t);
      while (true) {
        auto job = queues[t]->claim(worker, 50ms);
        if (!job) {
          ++errors;
          return;
        }
        if (!job.value()) return;
        auto done = queues[t]->complete(*job.value());
        if (!done || !done.value()) ++errors;
        std::lock_guard lock(mutex);
        claimed.push_back(job.value()->job_id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(claimed.size(), expected.size());
  EXPECT_EQ(std::set<std::string>(claimed.begin(), claimed.end()), expected);
  auto stats = producer.stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats.value().depth, 0);
  EXPECT_EQ(stats.value().in_flight, 0);
}

TEST_P(JobQueueContract, AnExpiredLeaseIsReclaimedWithTheNextAttempt) {
  JobQueue& q = make_queue(fast());
  std::string id = new_job_id();
  ASSERT_TRUE(q.enqueue(id).ok());
  auto first = take(q, "crashed");
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(take(q, "other").has_value());  // leased
  std::this_thread::sleep_for(400ms);          // the holder never extends: it "crashed"
  auto second = take(q, "other", 1000ms);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->job_id, id);
  EXPECT_EQ(second->attempt, 2);
  EXPECT_FALSE(q.extend(*first).value());  // the first holder lost it
  EXPECT_FALSE(q.complete(*first).value());
  EXPECT_FALSE(q.fail(*first, "late").value());
  EXPECT_TRUE(q.extend(*second).value());
  EXPECT_TRUE(q.complete(*second).value());
  EXPECT_FALSE(take(q, "other").has_value());
}

TEST_P(JobQueueContract, ExtendingKeepsTheLease) {
  JobQueue& q = make_queue(fast());
  ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  auto job = take(q, "w1");
  ASSERT_TRUE(job.has_value());
  for (int i = 0; i < 6; ++i) {  // 600 ms: twice the visibility timeout
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(q.extend(*job).value()) << i;
    ASSERT_FALSE(take(q, "w2").has_value()) << i;
  }
  EXPECT_TRUE(q.complete(*job).value());
}

TEST_P(JobQueueContract, FailRetriesWithBackoffThenDies) {
  JobQueue& q = make_queue(fast());
  std::string id = new_job_id();
  ASSERT_TRUE(q.enqueue(id).ok());
  auto job = take(q, "w1");
  ASSERT_TRUE(job.has_value());
  auto failed_at = Clock::now();
  EXPECT_FALSE(q.fail(*job, "boom 1").value());  // not final
  EXPECT_FALSE(take(q, "w1").has_value());       // not due yet (100 ms)
  auto second = take(q, "w1", 2000ms);
  ASSERT_TRUE(second.has_value());
  EXPECT_GE(Clock::now() - failed_at, 90ms);
  EXPECT_EQ(second->attempt, 2);
  failed_at = Clock::now();
  EXPECT_FALSE(q.fail(*second, "boom 2").value());
  auto third = take(q, "w1", 2000ms);
  ASSERT_TRUE(third.has_value());
  EXPECT_GE(Clock::now() - failed_at, 190ms);  // 0.1 * 2^1
  EXPECT_EQ(third->attempt, 3);
  EXPECT_TRUE(q.fail(*third, "boom 3").value());  // max_attempts: dead
  EXPECT_FALSE(take(q, "w1", 300ms).has_value());
  auto stats = q.stats().value();
  EXPECT_EQ(stats.depth, 0);
  EXPECT_EQ(stats.in_flight, 0);
  // A dead job blocks a second enqueue until removed.
  EXPECT_EQ(q.enqueue(id).error().code, Errc::conflict);
  EXPECT_TRUE(q.remove(id).value());
  EXPECT_TRUE(q.enqueue(id).ok());
}

TEST_P(JobQueueContract, AJobWhoseHoldersAllVanishedComesBackExhausted) {
  QueueSettings s = fast();
  s.max_attempts = 1;
  JobQueue& q = make_queue(s);
  ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  auto first = take(q, "w1");
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->exhausted);
  std::this_thread::sleep_for(400ms);
  auto again = take(q, "w2", 1000ms);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->attempt, 2);
  EXPECT_TRUE(again->exhausted);
  EXPECT_TRUE(q.fail(*again, "gave up").value());
}

TEST_P(JobQueueContract, RemoveForgetsQueuedAndClaimedJobs) {
  JobQueue& q = make_queue(fast());
  std::string a = new_job_id();
  std::string b = new_job_id();
  ASSERT_TRUE(q.enqueue(a).ok());
  ASSERT_TRUE(q.enqueue(b).ok());
  EXPECT_TRUE(q.remove(a).value());
  EXPECT_FALSE(q.remove(a).value());
  auto job = take(q, "w1");
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->job_id, b);
  EXPECT_TRUE(q.remove(b).value());
  EXPECT_FALSE(q.extend(*job).value());
  EXPECT_FALSE(q.complete(*job).value());
  auto stats = q.stats().value();
  EXPECT_EQ(stats.depth, 0);
  EXPECT_EQ(stats.in_flight, 0);
}

TEST_P(JobQueueContract, StatsCountWaitingAndLeasedJobs) {
  JobQueue& q = make_queue(fast());
  auto empty = q.stats().value();
  EXPECT_EQ(empty.depth, 0);
  EXPECT_EQ(empty.oldest_queued_age_s, 0);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  std::this_thread::sleep_for(60ms);
  auto waiting = q.stats().value();
  EXPECT_EQ(waiting.depth, 3);
  EXPECT_EQ(waiting.in_flight, 0);
  EXPECT_GE(waiting.oldest_queued_age_s, 0.05);
  EXPECT_LT(waiting.oldest_queued_age_s, 10);
  ASSERT_TRUE(take(q, "w1").has_value());
  auto leased = q.stats().value();
  EXPECT_EQ(leased.depth, 2);
  EXPECT_EQ(leased.in_flight, 1);
}

TEST_P(JobQueueContract, ClaimWaitsForAJobToArrive) {
  JobQueue& q = make_queue(fast());
  std::string id = new_job_id();
  auto start = Clock::now();
  EXPECT_FALSE(take(q, "w1", 100ms).has_value());
  EXPECT_GE(Clock::now() - start, 95ms);
  std::thread producer([&] {
    std::this_thread::sleep_for(150ms);
    (void)q.enqueue(id);
  });
  start = Clock::now();
  auto job = take(q, "w1", 3000ms);
  producer.join();
  ASSERT_TRUE(job.has_value());
  EXPECT_EQ(job->job_id, id);
  EXPECT_LT(Clock::now() - start, 2000ms);
}

// What the reconciler asks: where each job stands (waiting, running, a retry due later, dead,
// absent), in the order asked.
TEST_P(JobQueueContract, StatesTellWhereEachJobStands) {
  QueueSettings s = fast();
  s.max_attempts = 1;
  s.visibility_timeout_s = 30;
  JobQueue& q = make_queue(s);
  std::string running = new_job_id();
  std::string dead = new_job_id();
  std::string waiting = new_job_id();
  std::string absent = new_job_id();
  ASSERT_TRUE(q.enqueue(running).ok());
  ASSERT_TRUE(q.enqueue(dead).ok());
  auto first = take(q, "w1");
  ASSERT_TRUE(first && first->job_id == running);
  auto second = take(q, "w2");
  ASSERT_TRUE(second && second->job_id == dead);
  ASSERT_TRUE(q.fail(*second, "it broke").value()) << "one attempt: dead";
  ASSERT_TRUE(q.enqueue(waiting).ok());
  auto states = q.states({waiting, running, dead, absent});
  ASSERT_TRUE(states.ok()) << states.error().message;
  ASSERT_EQ(states->size(), 4u);
  EXPECT_EQ(states->at(0).kind, storage::QueueState::Kind::waiting);
  EXPECT_EQ(states->at(1).kind, storage::QueueState::Kind::running);
  EXPECT_EQ(states->at(2).kind, storage::QueueState::Kind::dead);
  EXPECT_EQ(states->at(2).error, "it broke");
  EXPECT_EQ(states->at(3).kind, storage::QueueState::Kind::absent);
}

TEST_P(JobQueueContract, ARetryDueLaterIsWaiting) {
  QueueSettings s = fast();
  s.retry_backoff_s = 30;
  JobQueue& q = make_queue(s);
  std::string id = new_job_id();
  ASSERT_TRUE(q.enqueue(id).ok());
  auto job = take(q, "w1");
  ASSERT_TRUE(job.has_value());
  ASSERT_FALSE(q.fail(*job, "transient").value());
  EXPECT_EQ(q.states({id})->at(0).kind, storage::QueueState::Kind::waiting);
}

OV_QUEUE_BACKENDS(JobQueueContract);

}  // namespace
}  // namespace ov::queue::test
