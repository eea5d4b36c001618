// The SQLite write lock between connections of one process: a connection that finds it held
// waits (counted by busy_waits()), gets it once the holder lets go, and gives up with
// Errc::unavailable after its busy timeout.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "storage/sqlite/connection.hpp"

namespace ov::storage::sqlite {
namespace {

using namespace std::chrono_literals;

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

class SqliteBusy : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "ov-busy-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = pattern;
    holder_ = open(10'000);
    ASSERT_TRUE(holder_->run_script("CREATE TABLE t (v INTEGER)").ok());
  }
  void TearDown() override {
    holder_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<sql::Connection> open(int busy_timeout_ms) {
    auto conn = open_connection((dir_ / "busy.db").string(), busy_timeout_ms);
    if (!conn) throw std::runtime_error(conn.error().message);
    return std::move(conn.value());
  }

  std::int64_t rows() {
    auto r = holder_->query("SELECT COUNT(*) FROM t", {});
    if (!r) throw std::runtime_error(r.error().message);
    return r.value().rows.at(0).integer(0);
  }

  std::filesystem::path dir_;
  std::unique_ptr<sql::Connection> holder_;
};

TEST_F(SqliteBusy, AWriterWaitsForTheLockAndHasItOnceTheHolderCommits) {
  ASSERT_TRUE(holder_->query("BEGIN IMMEDIATE", {}).ok());
  ASSERT_TRUE(holder_->query("INSERT INTO t (v) VALUES (1)", {}).ok());
  auto writer = open(10'000);
  const auto waits_before = busy_waits();
  std::atomic<bool> done{false};
  std::optional<Result<sql::QueryResult>> written;
  std::thread other([&] {
    written.emplace(writer->query("INSERT INTO t (v) VALUES (2)", {}));
    done = true;
  });
  // It waits for the lock (and does not give up while the holder keeps it)...
  ASSERT_TRUE(eventually([&] { return busy_waits() > waits_before; }));
  EXPECT_FALSE(done.load());
  ASSERT_TRUE(holder_->query("COMMIT", {}).ok());
  // ...and writes once the lock is let go.
  other.join();
  ASSERT_TRUE(written->ok()) << written->error().message;
  EXPECT_EQ(rows(), 2);
}

TEST_F(SqliteBusy, AnAutocommitWriteLetsTheLockGoToo) {
  // Two writers taking turns without transactions: neither ever gives up.
  auto first = open(10'000);
  auto second = open(10'000);
  constexpr int kRows = 200;
  std::atomic<int> failures{0};
  auto write = [&](sql::Connection& c, int from) {
    for (int i = 0; i < kRows; ++i) {
      if (!c.query("INSERT INTO t (v) VALUES ($1)", {std::int64_t{from + i}}).ok()) ++failures;
    }
  };
  std::thread a([&] { write(*first, 0); });
  std::thread b([&] { write(*second, kRows); });
  a.join();
  b.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(rows(), 2 * kRows);
}

TEST_F(SqliteBusy, AWriterGivesUpAfterItsBusyTimeout) {
  ASSERT_TRUE(holder_->query("BEGIN IMMEDIATE", {}).ok());
  ASSERT_TRUE(holder_->query("INSERT INTO t (v) VALUES (1)", {}).ok());
  auto impatient = open(150);
  const auto start = std::chrono::steady_clock::now();
  auto written = impatient->query("INSERT INTO t (v) VALUES (2)", {});
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, Errc::unavailable) << written.error().message;
  EXPECT_GE(waited, 150ms);  // the whole timeout, not a first refusal
  ASSERT_TRUE(holder_->query("COMMIT", {}).ok());
  EXPECT_EQ(rows(), 1);
}

}  // namespace
}  // namespace ov::storage::sqlite
