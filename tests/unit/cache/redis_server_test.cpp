// The Redis client against servers this test starts, stops and restarts itself, and against
// ports where no Redis answers.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "cache/redis.hpp"
#include "redis_test_server.hpp"

namespace ov::cache {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kNoRedis = "redis-server is not installed or did not start";

TEST(RedisServerless, NobodyListeningIsUnavailableQuickly) {
  auto start = Clock::now();
  auto r = connect_redis(
      RedisConfig{"redis://127.0.0.1:" + std::to_string(testing::free_port()), 1, 2000});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
}

TEST(RedisServerless, ASilentServerTimesOut) {
  // A socket that accepts connections (the kernel does it) but never answers.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 8), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  auto start = Clock::now();
  auto r = connect_redis(
      RedisConfig{"redis://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)), 1, 200});
  auto waited = Clock::now() - start;
  ::close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unavailable);
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(2));
}

TEST(RedisServerless, ABadUrlIsAnArgumentError) {
  auto r = connect_redis(RedisConfig{"rediss://127.0.0.1:6379", 1, 200});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
}

TEST(RedisRestart, ReconnectsAfterTheServerRestarts) {
  auto server = testing::RedisServer::start();
  if (!server) GTEST_SKIP() << kNoRedis;
  auto redis = connect_redis(RedisConfig{server->url(), 2, 1000});
  ASSERT_TRUE(redis.ok()) << redis.error().message;
  ASSERT_TRUE((*redis)->command({"SET", "k", "before"}).ok());

  server->stop();
  auto start = Clock::now();
  auto down = (*redis)->command({"GET", "k"});
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, Errc::unavailable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(1));
  EXPECT_FALSE((*redis)->ping().ok());

  ASSERT_TRUE(server->restart());
  auto up = (*redis)->command({"GET", "k"});
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up->type, RedisReply::Type::nil);  // --save '': the restarted server is empty
  EXPECT_TRUE((*redis)->ping().ok());
}

TEST(RedisRestart, IdleConnectionsToARestartedServerAreNotReused) {
  auto server = testing::RedisServer::start();
  if (!server) GTEST_SKIP() << kNoRedis;
  auto redis = connect_redis(RedisConfig{server->url(), 4, 1000});
  ASSERT_TRUE(redis.ok()) << redis.error().message;
  ASSERT_TRUE((*redis)->ping().ok());
  ASSERT_TRUE(server->restart());
  // The pooled connection was closed by the old server: the first call after the restart
  // must notice that before sending, not fail.
  auto r = (*redis)->ping();
  EXPECT_TRUE(r.ok()) << r.error().message;
}

TEST(RedisAuth, PasswordAndDatabaseFromTheUrl) {
  auto server = testing::RedisServer::start({"--requirepass", "p@ss/w:rd"});
  if (!server) GTEST_SKIP() << kNoRedis;
  auto db3 = connect_redis(RedisConfig{server->url(":p%40ss%2Fw%3Ard", "/3"), 2, 1000});
  ASSERT_TRUE(db3.ok()) << db3.error().message;
  auto db0 = connect_redis(RedisConfig{server->url("default:p%40ss%2Fw%3Ard"), 2, 1000});
  ASSERT_TRUE(db0.ok()) << db0.error().message;

  ASSERT_TRUE((*db3)->command({"SET", "only-in-3", "1"}).ok());
  EXPECT_EQ((*db0)->command({"EXISTS", "only-in-3"})->integer, 0);
  EXPECT_EQ((*db3)->command({"EXISTS", "only-in-3"})->integer, 1);
  auto in3 = (*db0)->command(
      {"EVAL", "redis.call('SELECT', 3) return redis.call('EXISTS', KEYS[1])", "1", "only-in-3"});
  ASSERT_TRUE(in3.ok());
  EXPECT_EQ(in3->integer, 1);
}

TEST(RedisAuth, AWrongOrMissingPasswordFailsAtConnect) {
  auto server = testing::RedisServer::start({"--requirepass", "right"});
  if (!server) GTEST_SKIP() << kNoRedis;
  auto wrong = connect_redis(RedisConfig{server->url(":wrong"), 1, 1000});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::unavailable);
  EXPECT_NE(wrong.error().message.find("AUTH"), std::string::npos) << wrong.error().message;
  auto missing = connect_redis(RedisConfig{server->url(), 1, 1000});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("NOAUTH"), std::string::npos) << missing.error().message;
}

TEST(RedisAuth, ADatabaseOutOfRangeFailsAtConnect) {
  auto server = testing::RedisServer::start({"--databases", "4"});
  if (!server) GTEST_SKIP() << kNoRedis;
  auto r = connect_redis(RedisConfig{server->url("", "/9"), 1, 1000});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("SELECT"), std::string::npos) << r.error().message;
}

}  // namespace
}  // namespace ov::cache
