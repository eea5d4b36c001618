#include "schedule/scheduler.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "obs/metrics.hpp"
#include "storage/database.hpp"

namespace ov::schedule {
namespace {

// How long the loop sleeps at most: other processes may have moved a task's next run, and a
// database that was down comes back.
constexpr std::int64_t kMaxSleepMs = 1000;

void count_run(const std::string& task, bool ok, double seconds) {
  static auto& runs = obs::metrics().counter(
      "objectvision_scheduled_task_runs_total",
      "Runs of scheduled tasks made by this process, by task and result (ok, error).",
      {"task", "result"});
  static auto& durations = obs::metrics().histogram("objectvision_scheduled_task_duration_seconds",
                                                    "Time a scheduled task's run took.", {"task"},
                                                    obs::latency_buckets());
  runs.with({task, ok ? "ok" : "error"}).add();
  durations.with({task}).observe(seconds);
}

}  // namespace

Scheduler::Scheduler(storage::ScheduleRepository& repo, std::string holder, Clock clock)
    : repo_(repo), holder_(std::move(holder)), clock_(clock ? std::move(clock) : Clock(now_ms)) {}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::add(Task task) {
  if (task.schedule.off()) {
    spdlog::info("scheduled task {} is off", task.name);
    return;
  }
  tasks_.push_back(std::move(task));
}

void Scheduler::start() {
  if (tasks_.empty()) return;
  thread_ = std::thread([this] { loop(); });
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::vector<std::string> Scheduler::run_due() {
  std::vector<std::string> ran;
  pass(&ran);
  return ran;
}

std::int64_t Scheduler::pass(std::vector<std::string>* ran) {
  std::int64_t sleep_ms = kMaxSleepMs;
  for (const Task& task : tasks_) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) break;
    }
    const std::int64_t now = clock_();
    auto first = task.schedule.next_after(now);
    if (!first) continue;  // a cron time that never comes
    auto row = repo_.ensure(task.name, task.schedule.text(), *first);
    if (!row) {
      spdlog::warn("scheduler: task {}: {}", task.name, row.error().message);
      continue;
    }
    const std::int64_t due = row->next_run_at_ms;
    if (due > now) {
      sleep_ms = std::min(sleep_ms, due - now);
      continue;
    }
    // Due (or overdue: once, then on from now). One process's compare-and-set wins.
    auto next = task.schedule.next_after(now);
    if (!next) continue;
    auto run = repo_.claim(task.name, due, *next, now, holder_);
    if (!run) {
      spdlog::warn("scheduler: task {}: cannot claim its run: {}", task.name, run.error().message);
      continue;
    }
    if (!run.value()) continue;  // another process runs it
    const std::int64_t number = *run.value();
    spdlog::info("scheduled task {} run {} starts", task.name, number);
    const auto started = std::chrono::steady_clock::now();
    Result<std::string> outcome = Error{Errc::internal, "not run"};
    try {
      outcome = task.run();
    } catch (const std::exception& e) {
      outcome = Error{Errc::internal, e.what()};
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const bool ok = static_cast<bool>(outcome);
    const std::string result = ok ? outcome.value() : outcome.error().message;
    count_run(task.name, ok, seconds);
    if (ok) {
      spdlog::info("scheduled task {} run {} done in {:.3f}s: {}", task.name, number, seconds,
                   result);
    } else {
      spdlog::warn("scheduled task {} run {} failed after {:.3f}s: {}", task.name, number, seconds,
                   result);
    }
    if (auto recorded = repo_.finish(task.name, number, clock_(), ok, result); !recorded) {
      spdlog::warn("scheduler: task {}: cannot record run {}: {}", task.name, number,
                   recorded.error().message);
    }
    if (ran != nullptr) ran->push_back(task.name);
    sleep_ms = std::min(sleep_ms, std::max<std::int64_t>(0, *next - clock_()));
  }
  return std::max<std::int64_t>(sleep_ms, 1);
}

void Scheduler::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    std::int64_t sleep_ms = kMaxSleepMs;
    try {
      sleep_ms = pass(nullptr);
    } catch (const std::exception& e) {
      spdlog::warn("scheduler: {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(sleep_ms), [this] { return stopping_; });
  }
}

}  // namespace ov::schedule
