#include "inference/slots.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

namespace ov::inference {
namespace {

using namespace std::chrono_literals;

// Work that blocks until the test opens the gate, counting how many started and finished.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<int> started{0};
  std::atomic<int> finished{0};

  std::function<void()> work() {
    return [this] {
      ++started;
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return open; });
      ++finished;
    };
  }
  void release() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
  bool wait_started(int n) {
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (started.load() < n && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
    return started.load() >= n;
  }
};

TEST(Slots, AdmitsOneWorkPerSlotPlusTheQueueThenRefuses) {
  Gate gate;
  {
    Slots slots(2, 3);
    ASSERT_TRUE(slots.try_run(gate.work()));
    ASSERT_TRUE(slots.try_run(gate.work()));
    ASSERT_TRUE(gate.wait_started(2));  // both slots busy now
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(slots.try_run(gate.work())) << i;
    EXPECT_EQ(slots.waiting(), 3u);
    EXPECT_FALSE(slots.try_run(gate.work())) << "two running and three waiting: full";
    gate.release();
  }  // the destructor finishes everything admitted
  EXPECT_EQ(gate.finished.load(), 5);
}

TEST(Slots, WithoutAQueueOnlyIdleSlotsAdmit) {
  Gate gate;
  Slots slots(1, 0);
  ASSERT_TRUE(slots.try_run(gate.work()));
  ASSERT_TRUE(gate.wait_started(1));
  EXPECT_FALSE(slots.try_run(gate.work()));
  gate.release();
  // The slot comes back: a new work is admitted again once the first finished.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  bool admitted = false;
  while (!admitted && std::chrono::steady_clock::now() < deadline) {
    admitted = slots.try_run([] {});
    if (!admitted) std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(admitted);
}

TEST(Slots, WorkRunsOnTheSlotsThreadsNotTheCallers) {
  Slots slots(1, 4);
  std::promise<std::thread::id> ran_on;
  auto future = ran_on.get_future();
  ASSERT_TRUE(slots.try_run([&] { ran_on.set_value(std::this_thread::get_id()); }));
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  EXPECT_NE(future.get(), std::this_thread::get_id());
}

TEST(Slots, WorkRunsAtTheNiceValueAskedForAboveTheCreators) {
  const int creator = ::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)));
  Slots slots(1, 0, 4);
  std::promise<int> nice;
  auto future = nice.get_future();
  ASSERT_TRUE(slots.try_run([&] {
    nice.set_value(::getpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid))));
  }));
  ASSERT_EQ(future.wait_for(30s), std::future_status::ready);
  EXPECT_EQ(future.get(), std::min(19, creator + 4));
}

}  // namespace
}  // namespace ov::inference
