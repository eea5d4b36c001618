#pragma once
// The jobs lifecycle over real storage, in the three shapes it runs in: the embedded queue on
// SQLite (a file in a temporary directory) and on PostgreSQL (a fresh schema in
// OV_TEST_DATABASE_URL), and the scaled shape: PostgreSQL with the outbox, Redis Streams
// (OV_TEST_REDIS_URL, keys under a prefix of the test's own). Cases whose servers are not
// configured are skipped. Events go through an in-process bus and are collected.
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "events/bus.hpp"
#include "files/local_store.hpp"
#include "jobs/lifecycle.hpp"
#include "queue/job_queue.hpp"
#include "storage/database.hpp"
#include "storage/postgres/connection.hpp"

namespace ov::jobs::test {

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

class LifecycleTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string& kind = GetParam();
    temp_dir_ = make_temp_dir();
    std::string url = "sqlite://" + temp_dir_ + "/objectvision.db";
    if (kind != "sqlite") {
      admin_url_ = env("OV_TEST_DATABASE_URL");
      if (admin_url_.empty()) GTEST_SKIP() << "OV_TEST_DATABASE_URL is not set";
      schema_ = "ov_jobs_" + random_token(9);
      for (char& c : schema_) {
        c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : 'x';
      }
      auto admin = storage::postgres::open_connection(admin_url_, 5);
      ASSERT_TRUE(admin.ok()) << admin.error().message;
      ASSERT_TRUE(admin.value()->run_script("CREATE SCHEMA " + schema_).ok());
      url = admin_url_ + (admin_url_.find('?') == std::string::npos ? "?" : "&") +
            "options=-csearch_path%3D" + schema_;
    }
    auto db = storage::open_database(storage::DbConfig{url});
    ASSERT_TRUE(db.ok()) << db.error().message;
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->migrate_up().ok());
    auto user = db_->users().create(storage::NewUser{"j@example.com", "h", "J", Role::user});
    ASSERT_TRUE(user.ok());
    user_id_ = user.value().id;

    queue::QueueSettings qs;
    qs.max_attempts = 2;
    qs.visibility_timeout_s = 30;
    qs.retry_backoff_s = 0.05;
    if (kind == "redis") {
      std::string redis_url = env("OV_TEST_REDIS_URL");
      if (redis_url.empty()) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
      auto redis = cache::connect_redis(cache::RedisConfig{redis_url, 4, 2000});
      ASSERT_TRUE(redis.ok()) << redis.error().message;
      redis_ = std::move(redis).value();
      prefix_ = "ov-test:" + new_uuid() + ":";
      queue_ = queue::make_redis_queue(*redis_, qs, prefix_);
    } else {
      queue_ = queue::make_database_queue(*db_, qs);
    }
    files_ = std::make_unique<files::LocalFileStore>(temp_dir_ + "/files");
    bus_ = events::make_local_bus();
    subscription_ = bus_->subscribe([this](const events::Event& e) {
      if (const auto* job = std::get_if<JobEvent>(&e.what)) {
        std::lock_guard lock(mu_);
        events_.push_back(*job);
        arrived_.notify_all();
      }
    });
    settings_.max_attempts = qs.max_attempts;
    settings_.outbox = scaled();
    settings_.quiet = std::chrono::milliseconds(0);
    settings_.outbox_grace = std::chrono::milliseconds(0);
    make_lifecycle();
  }

  void TearDown() override {
    subscription_.reset();
    lifecycle_.reset();
    queue_.reset();
    db_.reset();
    if (redis_) {
      (void)redis_->command({"DEL", prefix_ + "jobs", prefix_ + "jobs:delayed",
                             prefix_ + "jobs:entries", prefix_ + "jobs:attempts",
                             prefix_ + "jobs:dead"});
    }
    if (!schema_.empty()) {
      auto admin = storage::postgres::open_connection(admin_url_, 5);
      if (admin.ok()) (void)admin.value()->run_script("DROP SCHEMA " + schema_ + " CASCADE");
    }
    std::error_code ec;
    if (!temp_dir_.empty()) std::filesystem::remove_all(temp_dir_, ec);
  }

  bool scaled() const { return GetParam() == "redis"; }

  void make_lifecycle() {
    lifecycle_ = std::make_unique<Lifecycle>(*db_, *queue_, *files_, *bus_, settings_);
  }

  NewJob new_job(int images, const std::string& bytes = "not really an image") {
    NewJob job;
    job.user_id = user_id_;
    job.name = "test";
    for (int i = 0; i < images; ++i) {
      job.images.push_back(NewImage{"img" + std::to_string(i) + ".jpg", "image/jpeg", "jpg",
                                    std::string_view(bytes_.emplace_back(bytes))});
    }
    return job;
  }

  Job submit(int images = 2) {
    auto job = lifecycle_->submit(new_job(images));
    if (!job) throw std::runtime_error("submit: " + job.error().message);
    return job.value();
  }

  // The next job from the queue, as a worker takes it.
  queue::ClaimedJob claim() {
    auto claimed = queue_->claim("w1", std::chrono::milliseconds(2000));
    if (!claimed || !claimed.value()) throw std::runtime_error("nothing to claim");
    return *claimed.value();
  }

  RunningJob start(const std::string& id) {
    auto run = lifecycle_->start(id);
    if (!run || !run.value()) throw std::runtime_error("start: nothing to run");
    return std::move(*run.value());
  }

  // With `annotated`, the job asked for an annotated image (only its place is recorded).
  static ImageWork ok_work(bool annotated = false) {
    ImageWork w;
    w.width = 640;
    w.height = 480;
    FoundObject dog;
    dog.label = "dog";
    dog.class_id = 16;
    dog.confidence = 0.9;
    dog.width = 10;
    dog.height = 20;
    w.objects.push_back(dog);
    if (annotated) w.annotated_extension = "jpg";
    return w;
  }

  // The events of one job so far, waiting up to 5 s for at least `n`.
  std::vector<JobEvent> events_of(const std::string& job_id, std::size_t n = 0) {
    std::unique_lock lock(mu_);
    auto mine = [&] {
      std::vector<JobEvent> out;
      for (const auto& e : events_) {
        if (e.job_id == job_id) out.push_back(e);
      }
      return out;
    };
    arrived_.wait_for(lock, std::chrono::seconds(5), [&] { return mine().size() >= n; });
    return mine();
  }

  std::string job_dir(const std::string& job_id) const { return temp_dir_ + "/files/" + job_id; }

  Settings settings_;
  std::unique_ptr<storage::Database> db_;
  std::unique_ptr<cache::Redis> redis_;
  std::unique_ptr<queue::JobQueue> queue_;
  std::unique_ptr<files::FileStore> files_;
  std::unique_ptr<events::Bus> bus_;
  std::unique_ptr<Lifecycle> lifecycle_;
  std::string user_id_;

 private:
  static std::string make_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "ov-jobs-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp");
    return pattern;
  }

  std::unique_ptr<events::Subscription> subscription_;
  std::mutex mu_;
  std::condition_variable arrived_;
  std::vector<JobEvent> events_;
  std::deque<std::string> bytes_;  // what the uploads' views point into (stable addresses)
  std::string prefix_;
  std::string schema_;
  std::string admin_url_;
  std::string temp_dir_;
};

inline std::string param_name(const ::testing::TestParamInfo<std::string>& info) {
  return info.param == "redis" ? std::string("postgresql_redis") : info.param;
}

}  // namespace ov::jobs::test

#define OV_LIFECYCLE_SHAPES(Fixture)                                                             \
  INSTANTIATE_TEST_SUITE_P(                                                                      \
      Shapes, Fixture,                                                                           \
      ::testing::Values(std::string("sqlite"), std::string("postgresql"), std::string("redis")), \
      ::ov::jobs::test::param_name)
