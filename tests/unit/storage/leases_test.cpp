// LeaseRepository against both backends: one holder at a time, renewals, expiry, fences.
#include <atomic>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "backend_fixture.hpp"

namespace ov::storage::test {
namespace {

class Leases : public BackendTest {
 protected:
  std::optional<std::int64_t> take(const std::string& holder, std::int64_t now,
                                   std::int64_t ttl = 1000) {
    auto r = migrated().leases().acquire("jobs.reconcile", holder, now, ttl);
    if (!r) throw std::runtime_error(r.error().message);
    return r.value();
  }
};

TEST_P(Leases, OneHolderAtATimeWithGrowingFences) {
  auto a = take("a", 10'000);
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(take("b", 10'500).has_value()) << "held by a until 11000";
  auto renewed = take("a", 10'900);
  ASSERT_TRUE(renewed.has_value());
  EXPECT_EQ(*renewed, *a) << "a renewal keeps the fence";
  EXPECT_FALSE(take("b", 11'500).has_value()) << "renewed until 11900";
  auto b = take("b", 12'000);
  ASSERT_TRUE(b.has_value()) << "expired: b takes it";
  EXPECT_GT(*b, *a);
  ASSERT_TRUE(db().leases().release("b", "b").ok());  // another name: nothing happens
  ASSERT_TRUE(db().leases().release("jobs.reconcile", "b").ok());
  auto c = take("c", 12'001);
  ASSERT_TRUE(c.has_value()) << "released";
  EXPECT_GT(*c, *b);
}

TEST_P(Leases, ConcurrentTakersHaveOneWinner) {
  migrated();
  for (int round = 0; round < 10; ++round) {
    std::int64_t now = 1'000'000 + round * 10'000;
    std::atomic<int> winners{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        auto other = open_another(1);
        auto r = other->leases().acquire("race", "t" + std::to_string(i), now, 5'000);
        if (r && r.value()) ++winners;
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(winners.load(), 1) << "round " << round;
  }
}

OV_STORAGE_BACKENDS(Leases);

}  // namespace
}  // namespace ov::storage::test
