// The Redis bus: two "nodes" on one Redis, outages and restarts, shutdown.
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "../cache/redis_test_server.hpp"
#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "event_counter.hpp"
#include "events/bus.hpp"

namespace ov::events {
namespace {
using testing::marked;
using testing::marker;

using testing::Collector;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kNoRedis = "redis-server is not installed or did not start";

std::unique_ptr<Bus> connect(const std::string& url) {
  auto bus = make_redis_bus(cache::RedisConfig{url, 2, 2000});
  EXPECT_TRUE(bus.ok()) << bus.error().message;
  return bus.ok() ? std::move(bus).value() : nullptr;
}

// PUBSUB NUMPAT: how many pattern subscriptions the server holds.
long long pattern_subscribers(cache::Redis& redis) {
  auto reply = redis.command({"PUBSUB", "NUMPAT"});
  return reply && reply->type == cache::RedisReply::Type::integer ? reply->integer : -1;
}

TEST(RedisBus, AnEventPublishedOnOneNodeReachesEveryNode) {
  auto url = ov::testing::shared_redis_url();
  if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
  auto node_a = connect(*url);
  auto node_b = connect(*url);
  ASSERT_TRUE(node_a && node_b);
  Collector on_a, on_b;
  auto sub_a = node_a->subscribe(on_a.handler());
  auto sub_b = node_b->subscribe(on_b.handler());

  std::string user = new_uuid();  // other tests may share this Redis: match our own events
  JobEvent sent;
  sent.kind = JobEventKind::progress;
  sent.job_id = new_uuid();
  sent.user_id = user;
  sent.status = JobStatus::processing;
  sent.done = 1;
  sent.total = 3;
  sent.image_id = new_uuid();
  sent.error = "a \"quoted\" error";
  node_a->publish(Event{user, sent});
  SessionEnd ended;
  ended.before_epoch = 4;
  ended.reason = "Session has ended";
  node_a->publish(Event{user, ended});
  const std::string origin = new_uuid();
  node_a->publish(Event{"", ModelsChanged{"load", "second", "", origin}});
  ASSERT_TRUE(on_b.wait_for(3));
  ASSERT_TRUE(on_a.wait_for(3));
  for (auto* node : {&on_a, &on_b}) {
    const JobEvent* job = nullptr;
    const SessionEnd* end = nullptr;
    auto seen = node->events();
    for (const auto& e : seen) {
      if (e.user_id != user) continue;
      if (const auto* j = std::get_if<JobEvent>(&e.what)) job = j;
      if (const auto* s = std::get_if<SessionEnd>(&e.what)) end = s;
    }
    ASSERT_NE(job, nullptr) << "the typed job event crossed Redis";
    EXPECT_EQ(job->kind, sent.kind);
    EXPECT_EQ(job->job_id, sent.job_id);
    EXPECT_EQ(job->user_id, user);
    EXPECT_EQ(job->status, sent.status);
    EXPECT_EQ(job->done, 1);
    EXPECT_EQ(job->total, 3);
    EXPECT_EQ(job->image_id, sent.image_id);
    EXPECT_EQ(job->error, sent.error);
    ASSERT_NE(end, nullptr) << "the session event crossed Redis";
    EXPECT_EQ(end->before_epoch, 4);
    EXPECT_EQ(end->reason, "Session has ended");
    const ModelsChanged* change = nullptr;
    for (const auto& e : seen) {
      const auto* c = std::get_if<ModelsChanged>(&e.what);
      if (c && c->origin == origin) change = c;
    }
    ASSERT_NE(change, nullptr) << "the change of the models crossed Redis";
    EXPECT_EQ(change->action, "load");
    EXPECT_EQ(change->name, "second");
  }
  EXPECT_EQ(redis_channel(user), "ov:events:" + user);
  EXPECT_EQ(redis_channel(user, ":session"), "ov:events:" + user + ":session");
}

TEST(RedisBus, ManyPublishersEveryEventArrives) {
  auto url = ov::testing::shared_redis_url();
  if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
  auto sender = connect(*url);
  auto receiver = connect(*url);
  ASSERT_TRUE(sender && receiver);
  std::string user = new_uuid();
  Collector mine;
  auto sub = receiver->subscribe([&](const Event& e) {
    if (e.user_id == user) mine.add(e);
  });
  constexpr int kThreads = 8, kEach = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) sender->publish(marked(user, std::to_string(i)));
    });
  for (auto& t : threads) t.join();
  EXPECT_TRUE(mine.wait_for(kThreads * kEach)) << mine.size();
}

TEST(RedisBus, UnreachableRedisFailsAtStart) {
  auto start = Clock::now();
  auto bus = make_redis_bus(
      cache::RedisConfig{"redis://127.0.0.1:" + std::to_string(ov::testing::free_port()), 1, 500});
  ASSERT_FALSE(bus.ok());
  EXPECT_EQ(bus.error().code, Errc::unavailable);
  EXPECT_LT(Clock::now() - start, 2s);
  auto bad = make_redis_bus(cache::RedisConfig{"http://nope", 1, 500});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_argument);
}

TEST(RedisBus, ResubscribesAfterRedisRestarts) {
  auto server = ov::testing::RedisServer::start();
  if (!server) GTEST_SKIP() << kNoRedis;
  auto bus = connect(server->url());
  ASSERT_TRUE(bus);
  Collector seen;
  auto sub = bus->subscribe(seen.handler());
  bus->publish(marked("u", "before"));
  ASSERT_TRUE(seen.wait_for(1));

  server->stop();
  bus->publish(marked("u", "while down"));  // logged, not thrown
  std::this_thread::sleep_for(300ms);       // let the subscriber notice and retry a few times
  ASSERT_TRUE(server->restart());

  auto probe = cache::connect_redis(cache::RedisConfig{server->url(), 1, 2000});
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  auto deadline = Clock::now() + 15s;
  while (pattern_subscribers(**probe) < 1 && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(pattern_subscribers(**probe), 1) << "the bus did not resubscribe";

  bus->publish(marked("u", "after"));
  ASSERT_TRUE(seen.wait_for(2));
  EXPECT_EQ(marker(seen.events().back()), "after");
}

TEST(RedisBus, DestructionDoesNotHangWhileConnectedOrWhileRedisIsDown) {
  auto server = ov::testing::RedisServer::start();
  if (!server) GTEST_SKIP() << kNoRedis;
  auto idle = connect(server->url());
  auto orphan = connect(server->url());
  ASSERT_TRUE(idle && orphan);
  auto start = Clock::now();
  idle.reset();  // blocked in poll() on an idle connection
  EXPECT_LT(Clock::now() - start, 1s);

  server->stop();
  std::this_thread::sleep_for(300ms);  // now in its reconnect loop
  start = Clock::now();
  orphan.reset();
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST(RedisBus, AServerThatHangsUpIsNoticedAndSurvived) {
  auto server = ov::testing::RedisServer::start();
  if (!server) GTEST_SKIP() << kNoRedis;
  auto bus = connect(server->url());
  ASSERT_TRUE(bus);
  Collector seen;
  auto sub = bus->subscribe(seen.handler());
  auto admin = cache::connect_redis(cache::RedisConfig{server->url(), 1, 2000});
  ASSERT_TRUE(admin.ok());
  auto killed = (*admin)->command({"CLIENT", "KILL", "TYPE", "pubsub"});
  ASSERT_TRUE(killed.ok());
  ASSERT_EQ(killed->integer, 1);
  auto deadline = Clock::now() + 15s;
  while (pattern_subscribers(**admin) < 1 && Clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_EQ(pattern_subscribers(**admin), 1);
  bus->publish(marked("u", "after kill"));
  ASSERT_TRUE(seen.wait_for(1));
  EXPECT_EQ(marker(seen.events()[0]), "after kill");
}

}  // namespace
}  // namespace ov::events
