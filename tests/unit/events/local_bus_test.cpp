// The in-process bus: fan-out, unsubscribe, concurrency, a full queue, shutdown.
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "event_counter.hpp"
#include "events/bus.hpp"

namespace ov::events {
namespace {
using testing::marked;
using testing::marker;

using testing::Collector;
using namespace std::chrono_literals;

TEST(LocalBus, DeliversToEverySubscriberUntilUnsubscribed) {
  auto bus = make_local_bus();
  Collector a, b;
  auto sub_a = bus->subscribe(a.handler());
  auto sub_b = bus->subscribe(b.handler());
  bus->publish(marked("u1", "queued"));
  bus->publish(marked("u2", "started"));
  ASSERT_TRUE(a.wait_for(2));
  ASSERT_TRUE(b.wait_for(2));
  EXPECT_EQ(a.events()[0].user_id, "u1");
  EXPECT_EQ(marker(a.events()[0]), "queued");
  EXPECT_EQ(b.events()[1].user_id, "u2");

  sub_a.reset();  // returns only once no call of a's handler is running
  bus->publish(marked("u1", "third"));
  ASSERT_TRUE(b.wait_for(3));
  EXPECT_EQ(marker(b.events()[2]), "third");
  EXPECT_EQ(a.size(), 2u);
}

TEST(LocalBus, ConcurrentPublishersDeliverEveryEventInEachPublishersOrder) {
  auto bus = make_local_bus();
  Collector seen;
  auto sub = bus->subscribe(seen.handler());
  constexpr int kThreads = 8, kEach = 2000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) bus->publish(marked(std::to_string(t), std::to_string(i)));
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_TRUE(seen.wait_for(kThreads * kEach));
  std::vector<int> next(kThreads, 0);
  for (const auto& e : seen.events()) {
    int t = std::stoi(e.user_id);
    EXPECT_EQ(std::stoi(marker(e)), next[t]) << "publisher " << t;
    next[t] = std::stoi(marker(e)) + 1;
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kEach);
}

TEST(LocalBus, SubscribingAndUnsubscribingWhileDeliveringIsSafe) {
  auto bus = make_local_bus();
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    int i = 0;
    while (!done) bus->publish(marked("u", std::to_string(i++)));
  });
  std::thread churn([&] {
    for (int i = 0; i < 500; ++i) {
      auto count = std::make_shared<std::atomic<int>>(0);
      auto sub = bus->subscribe([count](const Event&) { ++*count; });
      std::this_thread::yield();
      sub.reset();
      int after = count->load();
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      EXPECT_EQ(count->load(), after) << "called after its Subscription was destroyed";
    }
  });
  churn.join();
  done = true;
  publisher.join();
}

TEST(LocalBus, AHandlerMayUnsubscribeItself) {
  auto bus = make_local_bus();
  std::unique_ptr<Subscription> sub;
  std::promise<void> called;
  std::atomic<int> calls{0};
  sub = bus->subscribe([&](const Event&) {
    if (++calls == 1) {
      sub.reset();  // must not wait for itself
      called.set_value();
    }
  });
  bus->publish(marked("u", "1"));
  ASSERT_EQ(called.get_future().wait_for(5s), std::future_status::ready);
  Collector later;
  auto other = bus->subscribe(later.handler());
  bus->publish(marked("u", "2"));
  ASSERT_TRUE(later.wait_for(1));
  EXPECT_EQ(calls.load(), 1);
}

TEST(LocalBus, AThrowingHandlerDoesNotStopDelivery) {
  auto bus = make_local_bus();
  auto thrower = bus->subscribe([](const Event&) { throw std::runtime_error("boom"); });
  Collector seen;
  auto sub = bus->subscribe(seen.handler());
  bus->publish(marked("u", "1"));
  bus->publish(marked("u", "2"));
  ASSERT_TRUE(seen.wait_for(2));
}

TEST(LocalBus, AFullQueueDropsInsteadOfBlocking) {
  constexpr std::size_t kCapacity = 10;
  auto bus = make_local_bus(kCapacity);
  std::promise<void> entered;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> calls{0};
  auto sub = bus->subscribe([&](const Event&) {
    if (++calls == 1) {
      entered.set_value();
      released.wait();
    }
  });
  bus->publish(marked("u", "first"));
  ASSERT_EQ(entered.get_future().wait_for(5s), std::future_status::ready);
  for (int i = 0; i < 25; ++i) bus->publish(marked("u", std::to_string(i)));  // must not block
  release.set_value();
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (calls < static_cast<int>(kCapacity) + 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(50ms);  // anything beyond the capacity would show up now
  EXPECT_EQ(calls.load(), static_cast<int>(kCapacity) + 1);
}

TEST(LocalBus, SubscriptionMayOutliveTheBus) {
  auto bus = make_local_bus();
  Collector seen;
  auto sub = bus->subscribe(seen.handler());
  bus->publish(marked("u", "1"));
  ASSERT_TRUE(seen.wait_for(1));
  bus.reset();
  sub.reset();  // no crash, no hang (ASan checks the rest)
  EXPECT_EQ(seen.size(), 1u);
}

}  // namespace
}  // namespace ov::events
