#pragma once
// Runs each queue test against the three real backends: the embedded queue over SQLite (a file
// in a temporary directory) and PostgreSQL (a fresh schema in OV_TEST_DATABASE_URL), and Redis
// Streams (OV_TEST_REDIS_URL, keys under a prefix of the test's own). Cases whose server is not
// configured are skipped.
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "queue/job_queue.hpp"
#include "storage/database.hpp"
#include "storage/postgres/connection.hpp"

namespace ov::queue::test {

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

class QueueTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string& kind = GetParam();
    if (kind == "redis") {
      std::string url = env("OV_TEST_REDIS_URL");
      if (url.empty()) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
      auto redis = cache::connect_redis(cache::RedisConfig{url, 8, 2000});
      ASSERT_TRUE(redis.ok()) << redis.error().message;
      redis_ = std::move(redis).value();
      prefix_ = "ov-test:" + new_uuid() + ":";
      return;
    }
    std::string url;
    if (kind == "postgresql") {
      admin_url_ = env("OV_TEST_DATABASE_URL");
      if (admin_url_.empty()) GTEST_SKIP() << "OV_TEST_DATABASE_URL is not set";
      schema_ = "ov_queue_" + random_token(9);
      for (char& c : schema_)
        c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : 'x';
      auto admin = storage::postgres::open_connection(admin_url_, 5);
      ASSERT_TRUE(admin.ok()) << admin.error().message;
      ASSERT_TRUE(admin.value()->run_script("CREATE SCHEMA " + schema_).ok());
      url = admin_url_ + (admin_url_.find('?') == std::string::npos ? "?" : "&") +
            "options=-csearch_path%3D" + schema_;
    } else {
      std::string pattern = (std::filesystem::temp_directory_path() / "ov-queue-XXXXXX").string();
      ASSERT_NE(mkdtemp(pattern.data()), nullptr);
      temp_dir_ = pattern;
      url = "sqlite://" + temp_dir_ + "/objectvision.db";
    }
    auto db = storage::open_database(storage::DbConfig{url});
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->migrate_up().ok());
    auto user = db_->users().create(storage::NewUser{"q@example.com", "h", "Q", Role::user});
    ASSERT_TRUE(user.ok());
    user_id_ = user.value().id;
  }

  void TearDown() override {
    queues_.clear();
    db_.reset();
    if (!schema_.empty()) {
      auto admin = storage::postgres::open_connection(admin_url_, 5);
      if (admin.ok()) (void)admin.value()->run_script("DROP SCHEMA " + schema_ + " CASCADE");
    }
    if (!temp_dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(temp_dir_, ec);
    }
    if (redis_) {
      std::string base = prefix_.substr(0, prefix_.size() - 1);
      (void)redis_->command({"DEL", prefix_ + "jobs", prefix_ + "jobs:delayed",
                             prefix_ + "jobs:entries", prefix_ + "jobs:attempts",
                             prefix_ + "jobs:dead"});
    }
  }

  // A queue over this test's backend; several may share it (as processes would).
  JobQueue& make_queue(QueueSettings settings) {
    if (redis_) {
      queues_.push_back(make_redis_queue(*redis_, settings, prefix_));
    } else {
      queues_.push_back(make_database_queue(*db_, settings));
    }
    return *queues_.back();
  }

  // A job id: a real job for the database queue (the table references jobs), made without a
  // queue entry (its entry goes to the outbox) so that the test enqueues it.
  std::string new_job_id() {
    if (!db_) return new_uuid();
    Job d;
    d.user_id = user_id_;
    storage::QueueEntry elsewhere;
    elsewhere.kind = storage::QueueEntry::Kind::outbox;
    auto made = db_->jobs().create(d, {}, elsewhere);
    if (!made) throw std::runtime_error(made.error().message);
    return made.value().job.id;
  }

  std::unique_ptr<cache::Redis> redis_;
  std::unique_ptr<storage::Database> db_;
  std::vector<std::unique_ptr<JobQueue>> queues_;

 private:
  std::string prefix_;
  std::string schema_;
  std::string admin_url_;
  std::string temp_dir_;
  std::string user_id_;
};

inline std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param;
}

}  // namespace ov::queue::test

#define OV_QUEUE_BACKENDS(Fixture)                                                               \
  INSTANTIATE_TEST_SUITE_P(                                                                      \
      Backends, Fixture,                                                                         \
      ::testing::Values(std::string("sqlite"), std::string("postgresql"), std::string("redis")), \
      ::ov::queue::test::param_name)
