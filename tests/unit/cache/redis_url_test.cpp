#include <gtest/gtest.h>

#include "cache/redis.hpp"

namespace ov::cache {
namespace {

RedisEndpoint parse_ok(const std::string& url) {
  auto r = parse_redis_url(url);
  EXPECT_TRUE(r.ok()) << url << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? r.value() : RedisEndpoint{};
}

void expect_invalid(const std::string& url) {
  auto r = parse_redis_url(url);
  ASSERT_FALSE(r.ok()) << url << " was accepted";
  EXPECT_EQ(r.error().code, Errc::invalid_argument) << url;
}

TEST(RedisUrl, HostAndDefaultPort) {
  RedisEndpoint ep = parse_ok("redis://cache.internal");
  EXPECT_EQ(ep.host, "cache.internal");
  EXPECT_EQ(ep.port, 6379);
  EXPECT_EQ(ep.db, 0);
  EXPECT_TRUE(ep.password.empty());
  EXPECT_TRUE(ep.username.empty());
}

TEST(RedisUrl, PortAndDatabase) {
  RedisEndpoint ep = parse_ok("redis://10.0.0.7:6380/5");
  EXPECT_EQ(ep.host, "10.0.0.7");
  EXPECT_EQ(ep.port, 6380);
  EXPECT_EQ(ep.db, 5);
  EXPECT_EQ(parse_ok("redis://h:1/").db, 0);
}

TEST(RedisUrl, PasswordOnlyAndUserWithPassword) {
  RedisEndpoint a = parse_ok("redis://:s3cret@redis:6379/2");
  EXPECT_EQ(a.username, "");
  EXPECT_EQ(a.password, "s3cret");
  EXPECT_EQ(a.host, "redis");
  EXPECT_EQ(a.db, 2);
  RedisEndpoint b = parse_ok("redis://alice:pw@redis");
  EXPECT_EQ(b.username, "alice");
  EXPECT_EQ(b.password, "pw");
}

TEST(RedisUrl, PercentEscapesInThePasswordAreDecoded) {
  RedisEndpoint ep = parse_ok("redis://:p%40ss%3Aw%2Fd%25@localhost");
  EXPECT_EQ(ep.password, "p@ss:w/d%");
  EXPECT_EQ(ep.host, "localhost");
  // An unescaped '@' inside the password: the last '@' ends the credentials.
  EXPECT_EQ(parse_ok("redis://:a@b@host").password, "a@b");
}

TEST(RedisUrl, Ipv6LiteralsAndEmptyHost) {
  RedisEndpoint ep = parse_ok("redis://[::1]:7000/1");
  EXPECT_EQ(ep.host, "::1");
  EXPECT_EQ(ep.port, 7000);
  EXPECT_EQ(ep.db, 1);
  EXPECT_EQ(parse_ok("redis://[::1]").port, 6379);
  EXPECT_EQ(parse_ok("redis://").host, "127.0.0.1");
  EXPECT_EQ(parse_ok("REDIS://Host:1").host, "Host");
}

TEST(RedisUrl, RefusesWhatItCannotHonour) {
  expect_invalid("");
  expect_invalid("localhost:6379");
  expect_invalid("http://localhost");
  expect_invalid("rediss://localhost");  // TLS: hiredis 0.14 as packaged has none
  expect_invalid("unix:///run/redis.sock");
  expect_invalid("redis://host:0");
  expect_invalid("redis://host:65536");
  expect_invalid("redis://host:port");
  expect_invalid("redis://host:");
  expect_invalid("redis://host:-1");
  expect_invalid("redis://host/db");
  expect_invalid("redis://host/-1");
  expect_invalid("redis://host/1/2");
  expect_invalid("redis://host/1?timeout=3");
  expect_invalid("redis://user@host");  // a user without a password
  expect_invalid("redis://:@host");     // an empty password
  expect_invalid("redis://:bad%zzescape@host");
  expect_invalid("redis://:trunc%4@host");
  expect_invalid("redis://[::1");
  expect_invalid("redis://[::1]x");
}

}  // namespace
}  // namespace ov::cache
