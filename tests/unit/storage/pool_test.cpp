#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "storage/sql/pool.hpp"
#include "storage/sqlite/connection.hpp"

namespace ov::storage::sql {
namespace {

class PoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ov-pool-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  Pool::Factory factory() {
    std::string path = dir_ + "/pool.db";
    return [this, path] {
      ++opened_;
      return sqlite::open_connection(path, 1000);
    };
  }
  std::string dir_;
  std::atomic<int> opened_{0};
};

TEST_F(PoolTest, OpensLazilyAndReusesConnections) {
  Pool pool(factory(), 3, std::chrono::milliseconds(100));
  EXPECT_EQ(pool.open_connections(), 0);
  for (int i = 0; i < 5; ++i) {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.ok());
    EXPECT_TRUE((*lease.value()).query("SELECT 1", {}).ok());
  }
  EXPECT_EQ(opened_.load(), 1);
  EXPECT_EQ(pool.open_connections(), 1);
}

TEST_F(PoolTest, WaitsForAFreeConnectionThenTimesOut) {
  Pool pool(factory(), 1, std::chrono::milliseconds(50));
  auto held = pool.acquire();
  ASSERT_TRUE(held.ok());
  auto starved = pool.acquire();
  ASSERT_FALSE(starved.ok());
  EXPECT_EQ(starved.error().code, Errc::unavailable);

  // A caller that waits gets the connection as soon as it comes back.
  Pool patient(factory(), 1, std::chrono::seconds(10));
  std::optional<Lease> first;
  {
    auto got = patient.acquire();
    ASSERT_TRUE(got.ok());
    first.emplace(std::move(got).value());
  }
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    first.reset();
  });
  auto second = patient.acquire();
  releaser.join();
  EXPECT_TRUE(second.ok());
}

TEST_F(PoolTest, ConnectionLeftInATransactionIsDropped) {
  Pool pool(factory(), 2, std::chrono::milliseconds(100));
  {
    auto lease = pool.acquire();
    ASSERT_TRUE(lease.ok());
    ASSERT_TRUE((*lease.value()).query("BEGIN", {}).ok());
  }
  EXPECT_EQ(pool.open_connections(), 0);
  auto fresh = pool.acquire();
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE((*fresh.value()).unusable());
  EXPECT_EQ(opened_.load(), 2);
}

TEST_F(PoolTest, FailedOpenFreesItsSlot) {
  Pool pool([] { return sqlite::open_connection("/proc/no/such/dir/x.db", 100); }, 1,
            std::chrono::milliseconds(50));
  for (int i = 0; i < 3; ++i) {
    auto lease = pool.acquire();
    ASSERT_FALSE(lease.ok());
    EXPECT_EQ(lease.error().code, Errc::unavailable) << lease.error().message;
  }
  EXPECT_EQ(pool.open_connections(), 0);
}

TEST(Row, ConvertsBetweenDriverShapes) {
  Row row({Null{}, std::int64_t{7}, std::string("t"), true, 2.5, std::string("42")});
  EXPECT_TRUE(row.is_null(0));
  EXPECT_EQ(row.text(0), "");
  EXPECT_FALSE(row.optional_text(0).has_value());
  EXPECT_FALSE(row.optional_integer(0).has_value());
  EXPECT_EQ(row.integer(1), 7);
  EXPECT_TRUE(row.boolean(1));
  EXPECT_TRUE(row.boolean(2));
  EXPECT_TRUE(row.boolean(3));
  EXPECT_DOUBLE_EQ(row.real(4), 2.5);
  EXPECT_EQ(row.integer(5), 42);
  EXPECT_THROW(row.text(6), std::out_of_range);
  EXPECT_THROW(row.integer(2), std::invalid_argument);
}

}  // namespace
}  // namespace ov::storage::sql
