// The scheduler with an injected clock, two schedulers ("nodes") on one SQLite database: each
// due time runs once whichever node looks first, an overdue task runs once and goes on from
// then, a failing run is recorded as such, a task that is off never runs.
#include "schedule/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>

#include "storage/database.hpp"

namespace ov::schedule {
namespace {

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ov-scheduler-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    a_ = open();
    ASSERT_TRUE(a_->migrate_up().ok());
    b_ = open();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<storage::Database> open() {
    auto db = storage::open_database({"sqlite://" + (dir_ / "db.sqlite").string(), 2});
    if (!db) throw std::runtime_error(db.error().message);
    return std::move(db.value());
  }

  Scheduler::Clock clock() {
    return [this] { return now_.load(); };
  }

  Task counting(const std::string& name, const std::string& schedule, const std::string& node) {
    auto parsed = Schedule::parse(schedule);
    if (!parsed) throw std::runtime_error(parsed.error().message);
    return Task{name, *parsed, [this, name, node]() -> Result<std::string> {
                  std::lock_guard lock(mu_);
                  ++runs_[name][node];
                  return std::string("ran on ") + node;
                }};
  }

  int runs(const std::string& name) {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [node, count] : runs_[name]) n += count;
    return n;
  }

  storage::ScheduledTaskRow row(const std::string& name) {
    auto rows = a_->schedules().list();
    if (!rows) throw std::runtime_error(rows.error().message);
    for (auto& r : rows.value()) {
      if (r.name == name) return r;
    }
    throw std::runtime_error("no row " + name);
  }

  std::filesystem::path dir_;
  std::unique_ptr<storage::Database> a_, b_;
  std::atomic<std::int64_t> now_{1'000'000};
  std::mutex mu_;
  std::map<std::string, std::map<std::string, int>> runs_;
};

TEST_F(SchedulerTest, EachDueTimeRunsOnceAcrossNodes) {
  Scheduler a(a_->schedules(), "node-a", clock());
  Scheduler b(b_->schedules(), "node-b", clock());
  a.add(counting("purge", "@every 1s", "a"));
  b.add(counting("purge", "@every 1s", "b"));
  EXPECT_TRUE(a.run_due().empty()) << "the first run is one interval after the first look";
  EXPECT_TRUE(b.run_due().empty());
  for (int tick = 1; tick <= 6; ++tick) {
    now_ += 1'000;
    // Whoever looks first runs it; the other finds it taken. Alternate who looks first.
    auto first = tick % 2 == 0 ? a.run_due() : b.run_due();
    auto second = tick % 2 == 0 ? b.run_due() : a.run_due();
    EXPECT_EQ(first.size() + second.size(), 1u) << "tick " << tick;
  }
  EXPECT_EQ(runs("purge"), 6);
  EXPECT_EQ(runs_["purge"]["a"], 3);
  EXPECT_EQ(runs_["purge"]["b"], 3);
  const auto r = row("purge");
  EXPECT_EQ(r.run_count, 6);
  EXPECT_EQ(r.last_ok, true);
  EXPECT_EQ(r.last_result, "ran on a");
  EXPECT_EQ(r.next_run_at_ms, now_.load() + 1'000);
}

TEST_F(SchedulerTest, AnOverdueTaskRunsOnceThenGoesOnFromNow) {
  Scheduler a(a_->schedules(), "node-a", clock());
  a.add(counting("retention", "@every 1m", "a"));
  a.run_due();
  now_ += 10 * 60'000 + 123;  // ten periods missed
  EXPECT_EQ(a.run_due().size(), 1u);
  EXPECT_TRUE(a.run_due().empty());
  EXPECT_EQ(runs("retention"), 1);
  EXPECT_EQ(row("retention").next_run_at_ms, now_.load() + 60'000);
}

TEST_F(SchedulerTest, AFailedRunIsRecordedAndTheScheduleGoesOn) {
  Scheduler a(a_->schedules(), "node-a", clock());
  a.add(Task{"backup", Schedule::every(std::chrono::seconds(1)), []() -> Result<std::string> {
               return Error{Errc::unavailable, "disk full"};
             }});
  a.add(Task{"thrower", Schedule::every(std::chrono::seconds(1)),
             []() -> Result<std::string> { throw std::runtime_error("boom"); }});
  a.run_due();
  now_ += 1'000;
  EXPECT_EQ(a.run_due().size(), 2u);
  auto r = row("backup");
  EXPECT_EQ(r.last_ok, false);
  EXPECT_EQ(r.last_result, "disk full");
  EXPECT_EQ(row("thrower").last_result, "boom");
  now_ += 1'000;
  EXPECT_EQ(a.run_due().size(), 2u) << "failures do not stop the schedule";
}

TEST_F(SchedulerTest, ACronTaskRunsAtItsTimes) {
  now_ = 1'700'000'000'000;  // 2023-11-14 22:13:20 UTC
  Scheduler a(a_->schedules(), "node-a", clock());
  a.add(counting("nightly", "30 2 * * *", "a"));
  a.run_due();
  EXPECT_EQ(row("nightly").next_run_at_ms, 1'700'015'400'000);  // 2023-11-15 02:30
  now_ = 1'700'015'400'000 - 1;
  EXPECT_TRUE(a.run_due().empty());
  now_ = 1'700'015'400'000;
  EXPECT_EQ(a.run_due().size(), 1u);
  EXPECT_EQ(row("nightly").next_run_at_ms, 1'700'015'400'000 + 86'400'000);
}

TEST_F(SchedulerTest, ATaskThatIsOffNeverRunsAndAChangedScheduleStartsOver) {
  {
    Scheduler a(a_->schedules(), "node-a", clock());
    a.add(counting("report", "off", "a"));
    a.add(counting("purge", "@every 1h", "a"));
    a.run_due();
    now_ += 3'600'000;
    EXPECT_EQ(a.run_due(), std::vector<std::string>{"purge"});
  }
  Scheduler again(a_->schedules(), "node-a", clock());
  again.add(counting("purge", "@every 1s", "a"));
  EXPECT_TRUE(again.run_due().empty());
  EXPECT_EQ(row("purge").next_run_at_ms, now_.load() + 1'000) << "the new schedule's time";
  auto rows = a_->schedules().list();
  ASSERT_TRUE(rows.ok());
  for (const auto& r : rows.value()) EXPECT_NE(r.name, "report");
}

TEST_F(SchedulerTest, TheThreadRunsWhatIsDueAndStops) {
  Scheduler a(a_->schedules(), "node-a");  // the real clock
  a.add(counting("fast", "@every 20ms", "a"));
  a.start();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (runs("fast") < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  a.stop();
  EXPECT_GE(runs("fast"), 3);
  const int after_stop = runs("fast");
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  EXPECT_EQ(runs("fast"), after_stop) << "nothing runs after stop()";
}

}  // namespace
}  // namespace ov::schedule
