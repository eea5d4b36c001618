// WorkerRegistry in memory and through a real Redis (OV_TEST_REDIS_URL).
#include <thread>

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "queue/worker_registry.hpp"
#include "queue_fixture.hpp"

namespace ov::queue::test {
namespace {

using namespace std::chrono_literals;

class Registry : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      registry_ = make_memory_worker_registry(300ms);
      return;
    }
    std::string url = env("OV_TEST_REDIS_URL");
    if (url.empty()) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
    auto redis = cache::connect_redis(cache::RedisConfig{url, 2, 2000});
    ASSERT_TRUE(redis.ok()) << redis.error().message;
    redis_ = std::move(redis).value();
    prefix_ = "ov-test:" + new_uuid() + ":";
    registry_ = make_redis_worker_registry(*redis_, 300ms, prefix_);
  }
  void TearDown() override {
    if (redis_) (void)redis_->command({"DEL", prefix_ + "workers"});
  }

  static WorkerInfo worker(const std::string& id) {
    WorkerInfo w;
    w.id = id;
    w.host = "node-1";
    w.pid = 4242;
    w.started_at_ms = 1700000000000;
    w.jobs_done = 7;
    return w;
  }

  std::unique_ptr<cache::Redis> redis_;
  std::unique_ptr<WorkerRegistry> registry_;
  std::string prefix_;
};

TEST_P(Registry, ListsWhatWorkersSaid) {
  std::int64_t before = now_ms();
  WorkerInfo a = worker("a");
  a.current_job = "job-1";
  ASSERT_TRUE(registry_->heartbeat(a).ok());
  ASSERT_TRUE(registry_->heartbeat(worker("b")).ok());
  auto list = registry_->list();
  ASSERT_TRUE(list.ok()) << list.error().message;
  ASSERT_EQ(list.value().size(), 2u);
  const WorkerInfo& got = list.value()[0];
  EXPECT_EQ(got.id, "a");
  EXPECT_EQ(got.host, "node-1");
  EXPECT_EQ(got.pid, 4242);
  EXPECT_EQ(got.started_at_ms, 1700000000000);
  EXPECT_EQ(got.jobs_done, 7);
  EXPECT_EQ(got.current_job, "job-1");
  EXPECT_GE(got.last_heartbeat_ms, before - 1000);  // Redis stamps with its own clock
  EXPECT_LE(got.last_heartbeat_ms, now_ms() + 1000);
  EXPECT_FALSE(list.value()[1].current_job.has_value());

  a.current_job.reset();  // a heartbeat replaces what the worker said before
  a.jobs_done = 8;
  ASSERT_TRUE(registry_->heartbeat(a).ok());
  auto again = registry_->list().value();
  EXPECT_EQ(again[0].jobs_done, 8);
  EXPECT_FALSE(again[0].current_job.has_value());
  EXPECT_FALSE(registry_->heartbeat(worker("")).ok());
}

TEST_P(Registry, SilentWorkersDropOutAndForgetRemoves) {
  ASSERT_TRUE(registry_->heartbeat(worker("quiet")).ok());
  ASSERT_TRUE(registry_->heartbeat(worker("gone")).ok());
  ASSERT_TRUE(registry_->forget("gone").ok());
  for (int i = 0; i < 4; ++i) {  // "alive" keeps beating through 400 ms
    std::this_thread::sleep_for(100ms);
    ASSERT_TRUE(registry_->heartbeat(worker("alive")).ok());
  }
  auto list = registry_->list();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list.value().size(), 1u);
  EXPECT_EQ(list.value()[0].id, "alive");
}

INSTANTIATE_TEST_SUITE_P(Kinds, Registry,
                         ::testing::Values(std::string("memory"), std::string("redis")),
                         param_name);

}  // namespace
}  // namespace ov::queue::test
