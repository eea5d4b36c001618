#pragma once
// Runs named tasks on their schedules, each due time once across every process and node that
// runs a scheduler (`serve`, `objectvision scheduler`): a task's row in the database is claimed
// by a compare-and-set of its next run time (storage::ScheduleRepository) and the run's number
// is its fencing token. A time missed while no scheduler ran is run once when one comes back;
// the schedule goes on from then. Tasks run one after another on the scheduler's own thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "schedule/schedule.hpp"

namespace ov::storage {
class ScheduleRepository;
}

namespace ov::schedule {

struct Task {
  std::string name;  // "tokens.purge"
  Schedule schedule;
  // What the run did ("3 rows deleted"), or why it failed; recorded with the run.
  std::function<Result<std::string>()> run;
};

class Scheduler {
 public:
  using Clock = std::function<std::int64_t()>;  // Unix milliseconds
  Scheduler(storage::ScheduleRepository& repo, std::string holder, Clock clock = {});
  ~Scheduler();  // stop()
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  void add(Task task);  // before start(); a task whose schedule is off is left out
  void start();         // a thread that runs what is due, waking at the next due time
  void stop();          // after the task running now, if any

  // One pass on the caller's thread: records the tasks' schedules, then claims and runs every
  // task due now. Returns the names of the tasks this call ran.
  std::vector<std::string> run_due();

 private:
  // Milliseconds until the earliest next run this process knows of (capped).
  std::int64_t pass(std::vector<std::string>* ran);
  void loop();

  storage::ScheduleRepository& repo_;
  const std::string holder_;
  Clock clock_;
  std::vector<Task> tasks_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ov::schedule
