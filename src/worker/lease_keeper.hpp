#pragma once
// One thread for all the jobs a worker pool runs: it extends each job's lease every
// `extend_every` (a third of the visibility timeout) and reports each busy worker's status
// every `heartbeat_every`, whatever a single image costs, so that neither a long job nor its
// worker looks abandoned. A job whose lease is lost (it ran out and another worker took the
// job, or the job was removed) is marked lost, and the processor stops between images. No
// thread per job: the keeper sleeps until the next lease or heartbeat falls due. Thread-safe.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "queue/job_queue.hpp"
#include "worker/worker_status.hpp"

namespace ov::worker {

class LeaseKeeper {
 public:
  using Clock = std::chrono::steady_clock;
  using Report = std::function<void(const WorkerStatus&)>;

  LeaseKeeper(queue::JobQueue& queue, Clock::duration extend_every, Clock::duration heartbeat_every,
              Report on_status);
  ~LeaseKeeper();  // every Lease must be gone
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  // A job kept by the keeper until release() (or destruction): then its lease is no longer
  // extended, nor its worker's status reported (an extension under way is finished first).
  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    ~Lease() { release(); }
    void release();
    bool lost() const { return lost_->load(); }

   private:
    friend class LeaseKeeper;
    Lease(LeaseKeeper* keeper, std::uint64_t id, std::shared_ptr<std::atomic<bool>> lost)
        : keeper_(keeper), id_(id), lost_(std::move(lost)) {}
    LeaseKeeper* keeper_;
    std::uint64_t id_;
    std::shared_ptr<std::atomic<bool>> lost_;
  };

  // The first extension and report come one period from now (the caller reports the start).
  [[nodiscard]] Lease keep(const queue::ClaimedJob& job, WorkerStatus busy);
  std::size_t kept() const;  // the jobs kept now

 private:
  struct Entry {
    queue::ClaimedJob job;
    WorkerStatus status;
    Clock::time_point next_extend, next_report;
    std::shared_ptr<std::atomic<bool>> lost;
  };
  void run();
  void release(std::uint64_t id);

  queue::JobQueue& queue_;
  const Clock::duration extend_every_, heartbeat_every_;
  Report on_status_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::uint64_t, Entry> entries_;
  std::uint64_t next_id_ = 1;
  std::uint64_t working_on_ = 0;  // the entry extended or reported now, outside the lock
  bool stopping_ = false;
  std::thread thread_;  // last: it starts once the rest is made
};

}  // namespace ov::worker
