// The pool's one LeaseKeeper against the three real queues: leases kept past the visibility
// timeout for as long as the job runs, many jobs on its one thread; released, a lease runs out
// and the job is handed out again; a lease another worker took is reported lost; a busy
// worker's status is reported while it runs, and no longer once released.
#include "worker/lease_keeper.hpp"

#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "../queue/queue_fixture.hpp"

namespace ov::worker {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using queue::test::QueueTest;

// Long enough that a loaded sanitizer build extends in time (every 667 ms: a stall of over a
// second is tolerated), short enough for a test: kept for two timeouts, a job is never handed
// out again.
constexpr auto kTimeout = 2000ms;

queue::QueueSettings settings() {
  queue::QueueSettings s;
  s.max_depth = 100;
  s.visibility_timeout_s = std::chrono::duration<double>(kTimeout).count();
  return s;
}

class LeaseKeeperTest : public QueueTest {
 protected:
  std::optional<queue::ClaimedJob> take(queue::JobQueue& q, const std::string& worker,
                                        std::chrono::milliseconds wait = 0ms) {
    auto job = q.claim(worker, wait);
    if (!job) throw std::runtime_error("claim: " + job.error().message);
    return job.value();
  }
};

TEST_P(LeaseKeeperTest, KeepsManyLeasesOnOneThreadUntilReleased) {
  queue::JobQueue& q = make_queue(settings());
  constexpr int kJobs = 12;
  for (int i = 0; i < kJobs; ++i) ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  LeaseKeeper keeper(q, kTimeout / 3, 1h, nullptr);
  std::vector<LeaseKeeper::Lease> leases;
  std::vector<queue::ClaimedJob> jobs;
  for (int i = 0; i < kJobs; ++i) {
    auto job = take(q, "busy");
    ASSERT_TRUE(job.has_value()) << i;
    jobs.push_back(*job);
    leases.push_back(keeper.keep(*job, WorkerStatus{"busy-0", 0, 0, job->job_id}));
  }
  EXPECT_EQ(keeper.kept(), static_cast<std::size_t>(kJobs));
  // Two visibility timeouts: another worker finds nothing to claim all along.
  const auto until = Clock::now() + 2 * kTimeout;
  while (Clock::now() < until) {
    ASSERT_FALSE(take(q, "other", 200ms).has_value()) << "a kept lease ran out";
  }
  for (const auto& lease : leases) EXPECT_FALSE(lease.lost());

  // Released (the first half): those leases run out and the jobs come back, the rest stay.
  std::set<std::string> released;
  for (int i = 0; i < kJobs / 2; ++i) {
    leases[i].release();
    released.insert(jobs[i].job_id);
  }
  EXPECT_EQ(keeper.kept(), static_cast<std::size_t>(kJobs / 2));
  std::set<std::string> again;
  const auto deadline = Clock::now() + 4 * kTimeout;
  while (again.size() < released.size() && Clock::now() < deadline) {
    if (auto job = take(q, "other", 200ms)) {
      EXPECT_EQ(job->attempt, 2);
      again.insert(job->job_id);
    }
  }
  EXPECT_EQ(again, released) << "the released leases ran out, and only those";
  for (int i = kJobs / 2; i < kJobs; ++i) {
    EXPECT_FALSE(leases[i].lost());
    EXPECT_TRUE(q.complete(jobs[i]).value()) << "still this worker's";
  }
}

TEST_P(LeaseKeeperTest, ALeaseAnotherWorkerTookIsLost) {
  queue::JobQueue& q = make_queue(settings());
  ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  auto first = take(q, "stalled");
  ASSERT_TRUE(first.has_value());
  // Its holder stalled: the lease ran out and another worker has the job now.
  auto second = take(q, "other", 4 * kTimeout);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->attempt, 2);

  LeaseKeeper keeper(q, 50ms, 1h, nullptr);
  auto stale = keeper.keep(*first, WorkerStatus{"stalled-0", 0, 0, first->job_id});
  auto kept = keeper.keep(*second, WorkerStatus{"other-0", 0, 0, second->job_id});
  const auto deadline = Clock::now() + 10s;
  while (!stale.lost() && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(stale.lost()) << "the stalled worker was never told";
  EXPECT_FALSE(kept.lost());
  EXPECT_TRUE(q.complete(*second).value());
}

TEST_P(LeaseKeeperTest, ReportsABusyWorkerWhileItRunsAndNotAfter) {
  queue::JobQueue& q = make_queue(settings());
  ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  auto job = take(q, "w");
  ASSERT_TRUE(job.has_value());
  std::mutex mu;
  std::vector<WorkerStatus> reports;
  LeaseKeeper keeper(q, kTimeout / 3, 30ms, [&](const WorkerStatus& s) {
    std::lock_guard lock(mu);
    reports.push_back(s);
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return reports.size();
  };
  auto lease = keeper.keep(*job, WorkerStatus{"w-1", 7, 3, job->job_id});
  const auto deadline = Clock::now() + 10s;
  while (count() < 3 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_GE(count(), 3u) << "a busy worker's heartbeat stopped";
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(reports.back().id, "w-1");
    EXPECT_EQ(reports.back().current_job, job->job_id);
    EXPECT_EQ(reports.back().jobs_done, 3);
  }
  lease.release();
  const auto after_release = count();
  // Another lease, reported: the keeper still runs, and reports that one only.
  ASSERT_TRUE(q.enqueue(new_job_id()).ok());
  auto next = take(q, "w");
  ASSERT_TRUE(next.has_value());
  auto other = keeper.keep(*next, WorkerStatus{"w-2", 7, 4, next->job_id});
  const auto later = Clock::now() + 10s;
  while (count() < after_release + 3 && Clock::now() < later) std::this_thread::sleep_for(5ms);
  std::lock_guard lock(mu);
  ASSERT_GE(reports.size(), after_release + 3);
  for (std::size_t i = after_release; i < reports.size(); ++i) {
    EXPECT_EQ(reports[i].id, "w-2") << "reported after its release";
  }
}

OV_QUEUE_BACKENDS(LeaseKeeperTest);

}  // namespace
}  // namespace ov::worker
