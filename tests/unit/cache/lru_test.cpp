// The in-process cache tier: recency order at capacity, time to live, and memory that follows
// the live entries (expired ones go without being read again). Time moves only when the test
// says so.
#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "cache/lru.hpp"

namespace ov::cache {
namespace {

using namespace std::chrono_literals;

struct ManualClock {
  std::shared_ptr<Lru<int>::Clock::time_point> now =
      std::make_shared<Lru<int>::Clock::time_point>(Lru<int>::Clock::time_point{} + 1000s);
  Lru<int>::Now fn() const {
    return [t = now] { return *t; };
  }
  void advance(std::chrono::milliseconds d) const { *now += d; }
};

TEST(Lru, TheLeastRecentlyUsedEntryGoesFirstAtCapacity) {
  ManualClock clock;
  Lru<int> lru(3, 1h, 1, clock.fn());
  lru.put("a", 1);
  lru.put("b", 2);
  lru.put("c", 3);
  ASSERT_EQ(lru.get("a"), 1);  // a is now the most recent; b the least
  lru.put("d", 4);
  EXPECT_EQ(lru.get("b"), std::nullopt);
  EXPECT_EQ(lru.get("a"), 1);
  EXPECT_EQ(lru.get("c"), 3);
  EXPECT_EQ(lru.get("d"), 4);
  EXPECT_EQ(lru.stats().size, 3u);
}

TEST(Lru, AnEntryLivesItsTimeToLiveAndAPutRenewsIt) {
  ManualClock clock;
  Lru<int> lru(10, 1000ms, 1, clock.fn());
  lru.put("k", 1);
  lru.put("short", 2, 100ms);
  clock.advance(999ms);
  EXPECT_EQ(lru.get("k"), 1);
  EXPECT_EQ(lru.get("short"), std::nullopt);
  lru.put("k", 5);  // a new value, a new time to live
  clock.advance(999ms);
  EXPECT_EQ(lru.get("k"), 5);
  clock.advance(1ms);
  EXPECT_EQ(lru.get("k"), std::nullopt);
  const CacheStats stats = lru.stats();
  EXPECT_EQ(stats.hits, 2u);
  EXPECT_EQ(stats.misses, 2u);
  EXPECT_EQ(stats.size, 0u);  // a read that finds an expired entry drops it
}

TEST(Lru, ExpiredEntriesAtTheColdEndGoWithTheNextPut) {
  ManualClock clock;
  Lru<int> lru(1000, 1s, 1, clock.fn());
  for (int i = 0; i < 100; ++i) lru.put("old" + std::to_string(i), i);
  clock.advance(2s);
  lru.put("new", 1);
  EXPECT_EQ(lru.stats().size, 1u);
}

TEST(Lru, AnExpiredEntryKeptWarmByReadsGoesAtTheNextSweep) {
  ManualClock clock;
  Lru<int> lru(1000, 1h, 1, clock.fn());
  lru.put("warm", 1, 10s);
  lru.put("cold", 2);
  ASSERT_EQ(lru.get("warm"), 1);  // now first in recency, "cold" last: not at the cold end
  clock.advance(20s);
  lru.put("p0", 0);
  EXPECT_EQ(lru.stats().size, 3u) << "not swept yet: the cold end is alive";
  for (int i = 1; i < 40; ++i) lru.put("p" + std::to_string(i), i);
  EXPECT_EQ(lru.stats().size, 41u) << "the sweep dropped the expired entry";
  EXPECT_EQ(lru.get("cold"), 2);
}

// The soak's finding: a cache whose entries expire long before its capacity is reached held
// every entry it ever had until the capacity pushed them out. Now its size follows the
// entries alive: put rate × time to live, far under the capacity.
TEST(Lru, SizeFollowsTheLiveEntriesNotTheCapacity) {
  ManualClock clock;
  Lru<int> lru(100'000, 1s, 16, clock.fn());
  std::size_t largest = 0;
  for (int i = 0; i < 20'000; ++i) {
    lru.put("job" + std::to_string(i), i);  // 100 puts a second, each alive 1 s
    clock.advance(10ms);
    if (i % 100 == 0) {
      (void)lru.get("job" + std::to_string(i / 2));  // reads keep some old entries warm
    }
    largest = std::max(largest, lru.stats().size);
  }
  EXPECT_LE(largest, 100u + 16u * 32u) << "alive: 100; slack: one sweep interval per shard";
  EXPECT_GE(lru.stats().size, 90u);
}

TEST(Lru, EraseAndClearForgetEntries) {
  ManualClock clock;
  Lru<int> lru(10, 1h, 4, clock.fn());
  lru.put("a", 1);
  lru.put("b", 2);
  lru.erase("a");
  EXPECT_EQ(lru.get("a"), std::nullopt);
  EXPECT_EQ(lru.get("b"), 2);
  lru.clear();
  EXPECT_EQ(lru.get("b"), std::nullopt);
  EXPECT_EQ(lru.stats().size, 0u);
}

}  // namespace
}  // namespace ov::cache
