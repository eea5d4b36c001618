// The Redis client against the shared server named by OV_TEST_REDIS_URL.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "redis_test_server.hpp"

namespace ov::cache {
namespace {

using Type = RedisReply::Type;

class RedisClient : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::shared_redis_url();
    if (!url) GTEST_SKIP() << "OV_TEST_REDIS_URL is not set";
    url_ = *url;
    redis_ = connect(4, 2000);
    ASSERT_NE(redis_, nullptr);
    prefix_ = "ov-test:" + new_uuid() + ":";
  }
  void TearDown() override {
    if (redis_ && !keys_.empty()) {
      std::vector<std::string> del{"DEL"};
      del.insert(del.end(), keys_.begin(), keys_.end());
      (void)redis_->command(del);
    }
  }

  std::unique_ptr<Redis> connect(int pool, int timeout_ms) {
    auto r = connect_redis(RedisConfig{url_, pool, timeout_ms});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(r).value() : nullptr;
  }
  std::string key(const std::string& name) {
    keys_.push_back(prefix_ + name);
    return keys_.back();
  }
  RedisReply must(const std::vector<std::string>& args) {
    auto r = redis_->command(args);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? r.value() : RedisReply{};
  }

  std::string url_;
  std::string prefix_;
  std::vector<std::string> keys_;
  std::unique_ptr<Redis> redis_;
};

TEST_F(RedisClient, Pings) {
  EXPECT_TRUE(redis_->ping().ok());
}

TEST_F(RedisClient, StringsRoundTripBinarySafe) {
  std::string k = key("bin");
  std::string value("a\0b\r\n$3\xff", 8);
  RedisReply set = must({"SET", k, value});
  EXPECT_EQ(set.type, Type::status);
  EXPECT_EQ(set.str, "OK");
  RedisReply get = must({"GET", k});
  EXPECT_EQ(get.type, Type::string);
  EXPECT_EQ(get.str, value);
  EXPECT_EQ(must({"GET", key("missing")}).type, Type::nil);
}

TEST_F(RedisClient, IntegerArrayAndNestedReplies) {
  std::string counter = key("n");
  RedisReply n = must({"INCRBY", counter, "41"});
  EXPECT_EQ(n.type, Type::integer);
  EXPECT_EQ(n.integer, 41);
  EXPECT_EQ(must({"INCR", counter}).integer, 42);

  std::string list = key("list");
  must({"RPUSH", list, "x", "", "z"});
  RedisReply range = must({"LRANGE", list, "0", "-1"});
  ASSERT_EQ(range.type, Type::array);
  ASSERT_EQ(range.elements.size(), 3u);
  EXPECT_EQ(range.elements[0].str, "x");
  EXPECT_EQ(range.elements[1].str, "");
  EXPECT_EQ(range.elements[2].type, Type::string);

  RedisReply nested = must({"EVAL", "return {7, {'a', false}, 'b'}", "0"});
  ASSERT_EQ(nested.type, Type::array);
  ASSERT_EQ(nested.elements.size(), 3u);
  EXPECT_EQ(nested.elements[0].integer, 7);
  ASSERT_EQ(nested.elements[1].type, Type::array);
  EXPECT_EQ(nested.elements[1].elements[0].str, "a");
  EXPECT_EQ(nested.elements[1].elements[1].type, Type::nil);  // Lua false is a nil reply
  EXPECT_EQ(nested.elements[2].str, "b");
}

TEST_F(RedisClient, ErrorRepliesAreRepliesNotErrors) {
  std::string k = key("str");
  must({"SET", k, "text"});
  RedisReply wrong = must({"LPUSH", k, "x"});
  EXPECT_EQ(wrong.type, Type::error);
  EXPECT_EQ(wrong.str.rfind("WRONGTYPE", 0), 0u) << wrong.str;
  RedisReply unknown = must({"NO-SUCH-COMMAND"});
  EXPECT_EQ(unknown.type, Type::error);
  EXPECT_TRUE(redis_->ping().ok());  // the connection is still usable
}

TEST_F(RedisClient, EmptyCommandIsAnArgumentError) {
  auto r = redis_->command({});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST_F(RedisClient, ManyThreadsShareTheSmallPool) {
  std::string counter = key("concurrent");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i)
        if (!redis_->command({"INCR", counter}).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(must({"GET", counter}).str, "1600");
}

TEST_F(RedisClient, ACommandPastTheTimeoutIsUnavailableAndTheNextOneWorks) {
  auto redis = connect(1, 300);
  ASSERT_NE(redis, nullptr);
  auto start = std::chrono::steady_clock::now();
  auto r = redis->command({"BLPOP", key("never-filled"), "0"});  // blocks forever
  auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_GE(waited, std::chrono::milliseconds(250));
  EXPECT_LT(waited, std::chrono::seconds(3));
  EXPECT_TRUE(redis->ping().ok());  // a fresh connection replaced the timed-out one
}

TEST_F(RedisClient, ACallerWaitsForTheOnlyConnection) {
  auto redis = connect(1, 3000);
  ASSERT_NE(redis, nullptr);
  std::thread blocker([&] { (void)redis->command({"BLPOP", key("slow"), "0.3"}); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(redis->ping().ok());
  blocker.join();
}

TEST_F(RedisClient, AConnectionKilledByTheServerIsReplacedTransparently) {
  auto redis = connect(1, 2000);
  ASSERT_NE(redis, nullptr);
  RedisReply id = redis->command({"CLIENT", "ID"}).value();
  ASSERT_EQ(id.type, Type::integer);
  RedisReply killed = must({"CLIENT", "KILL", "ID", std::to_string(id.integer)});
  EXPECT_EQ(killed.integer, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto again = redis->command({"CLIENT", "ID"});
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_NE(again->integer, id.integer);
}

}  // namespace
}  // namespace ov::cache
