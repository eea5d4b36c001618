#include "inference/core_budget.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace ov::inference {
namespace {

using namespace std::chrono_literals;

// Polls `done` until it holds or 30 s pass.
bool eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

TEST(CoreBudget, ARunAloneTakesEveryCore) {
  CoreBudget budget(4);
  {
    auto lease = budget.acquire();
    EXPECT_EQ(lease.cores(), 4);
    EXPECT_TRUE(lease.all());
    EXPECT_EQ(budget.stats().running, 1);
  }
  auto again = budget.acquire();  // given back: alone again, every core again
  EXPECT_TRUE(again.all());
  EXPECT_EQ(budget.stats().whole, 2u);
  EXPECT_EQ(budget.stats().single, 0u);
}

TEST(CoreBudget, ARunThatFindsTheCoresBusyWaitsAndThenTakesOne) {
  CoreBudget budget(2);
  std::optional<CoreBudget::Lease> wide(budget.acquire());
  ASSERT_TRUE(wide->all());
  std::atomic<int> granted{-1};
  std::thread second([&] {
    auto lease = budget.acquire();
    granted = lease.cores();
  });
  ASSERT_TRUE(eventually([&] { return budget.stats().waiting == 1; }));
  EXPECT_EQ(granted.load(), -1) << "it waits while every core is taken";
  wide.reset();
  second.join();
  EXPECT_EQ(granted.load(), 1) << "it found them busy: a second run is near, one core is enough";
  EXPECT_EQ(budget.stats().single, 1u);
}

TEST(CoreBudget, WhileOneCoreRunsANewRunTakesTheOtherAtOnce) {
  CoreBudget budget(2);
  std::optional<CoreBudget::Lease> wide(budget.acquire());
  std::optional<CoreBudget::Lease> narrow;
  std::thread waiter([&] { narrow.emplace(budget.acquire()); });
  ASSERT_TRUE(eventually([&] { return budget.stats().waiting == 1; }));
  wide.reset();
  waiter.join();
  ASSERT_EQ(narrow->cores(), 1);
  auto other = budget.acquire();  // one core free, nobody waiting: no wait
  EXPECT_EQ(other.cores(), 1);
  EXPECT_FALSE(other.all());
  EXPECT_EQ(budget.stats().running, 2);
}

TEST(CoreBudget, NeverLendsMoreCoresThanItHas) {
  constexpr int kCores = 3, kThreads = 8, kRuns = 50;
  CoreBudget budget(kCores);
  std::atomic<int> in_use{0}, most{0};
  auto run = [&] {
    for (int i = 0; i < kRuns; ++i) {
      auto lease = budget.acquire();
      const int now = in_use += lease.cores();
      int seen = most.load();
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(100us);
      in_use -= lease.cores();
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back(run);
  for (auto& t : threads) t.join();
  EXPECT_LE(most.load(), kCores);
  EXPECT_GE(most.load(), 1);
  const auto s = budget.stats();
  EXPECT_EQ(s.whole + s.single, static_cast<std::uint64_t>(kThreads * kRuns));
  EXPECT_EQ(s.running, 0);
  EXPECT_EQ(s.waiting, 0);
}

TEST(CoreBudget, WaitersAreServedFirstComeFirstServed) {
  CoreBudget budget(2);
  std::optional<CoreBudget::Lease> wide(budget.acquire());
  std::mutex mu;
  std::vector<int> served;
  std::vector<std::thread> waiters;
  std::vector<std::unique_ptr<std::optional<CoreBudget::Lease>>> held;
  for (int i = 0; i < 4; ++i) held.push_back(std::make_unique<std::optional<CoreBudget::Lease>>());
  for (int i = 0; i < 4; ++i) {
    waiters.emplace_back([&, i] {
      auto lease = budget.acquire();
      std::lock_guard lock(mu);
      held[static_cast<std::size_t>(i)]->emplace(std::move(lease));
      served.push_back(i);
    });
    // The next waiter arrives only once this one waits: the arrival order is known.
    ASSERT_TRUE(eventually([&] { return budget.stats().waiting == i + 1; }));
  }
  const auto served_count = [&] {
    std::lock_guard lock(mu);
    return served.size();
  };
  // Two cores free: the first two waiters, one core each (in either order: both are served by
  // the one release, and each records itself after it returns).
  wide.reset();
  ASSERT_TRUE(eventually([&] { return served_count() == 2; }));
  EXPECT_EQ(budget.stats().waiting, 2);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(std::set<int>(served.begin(), served.end()), (std::set<int>{0, 1}));
    held[0]->reset();  // one core free: the third, not the fourth
  }
  ASSERT_TRUE(eventually([&] { return served_count() == 3; }));
  EXPECT_EQ(budget.stats().waiting, 1);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(served.back(), 2);
    held[1]->reset();
  }
  for (auto& t : waiters) t.join();
  EXPECT_EQ(served.back(), 3);
}

TEST(CoreBudget, OneCoreIsAlwaysTheWholeBudget) {
  CoreBudget budget(0);  // at least one
  EXPECT_EQ(budget.total(), 1);
  auto lease = budget.acquire();
  EXPECT_TRUE(lease.all());
}

}  // namespace
}  // namespace ov::inference
