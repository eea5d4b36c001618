// S3Client against a real S3-compatible server (s3rver, which checks every signature) named by
// OV_TEST_S3_ENDPOINT and OV_TEST_S3_BUCKET (credentials OV_TEST_S3_ACCESS_KEY_ID /
// OV_TEST_S3_SECRET_ACCESS_KEY, s3rver's S3RVER / S3RVER when unset); skipped without one.
// The network faults use sockets of the test's own: a closed port and a listener that never
// answers.
#include "objstore/s3_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <string>

#include "core/ids.hpp"

namespace ov::objstore {
namespace {

using namespace std::chrono_literals;

std::string env(const char* name, const char* fallback = "") {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

S3Settings test_settings() {
  S3Settings s;
  s.endpoint = env("OV_TEST_S3_ENDPOINT");
  s.bucket = env("OV_TEST_S3_BUCKET");
  s.credentials = {env("OV_TEST_S3_ACCESS_KEY_ID", "S3RVER"),
                   env("OV_TEST_S3_SECRET_ACCESS_KEY", "S3RVER"), ""};
  s.prefix = "unit-" + new_uuid() + "/";  // every test in keys of its own
  return s;
}

class S3ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (env("OV_TEST_S3_ENDPOINT").empty() || env("OV_TEST_S3_BUCKET").empty())
      GTEST_SKIP() << "OV_TEST_S3_ENDPOINT / OV_TEST_S3_BUCKET are not set";
    settings_ = test_settings();
  }
  S3Settings settings_;
};

std::string random_bytes(std::size_t n, unsigned seed) {
  std::mt19937 gen(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(gen() & 0xff);
  return out;
}

// A plain GET without credentials: (status, body).
std::pair<long, std::string> fetch(const std::string& url) {
  CURL* h = curl_easy_init();
  std::string body;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(
      h, CURLOPT_WRITEFUNCTION, +[](char* in, std::size_t size, std::size_t n, void* out) {
        static_cast<std::string*>(out)->append(in, size * n);
        return size * n;
      });
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
  long status = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  return {status, body};
}

TEST_F(S3ClientTest, WhatIsPutIsWhatIsGot) {
  S3Client client(settings_);
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  const std::string large = random_bytes(3 << 20, 7);  // several TCP windows and curl buffers
  ASSERT_TRUE(client.put("d1/small.bin", every_byte));
  ASSERT_TRUE(client.put("d1/large.jpg", large, "image/jpeg"));
  auto small = client.get("d1/small.bin");
  ASSERT_TRUE(small) << small.error().message;
  EXPECT_EQ(*small, every_byte);
  auto got = client.get("d1/large.jpg");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(*got == large);
  auto info = client.head("d1/large.jpg");
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->size, large.size());
  EXPECT_EQ(info->etag.size(), 34u) << info->etag;  // "<md5 hex>", quotes included
  // A second put replaces the object.
  ASSERT_TRUE(client.put("d1/small.bin", "again"));
  EXPECT_EQ(*client.get("d1/small.bin"), "again");
}

TEST_F(S3ClientTest, AnEmptyObjectIsAnObject) {
  S3Client client(settings_);
  ASSERT_TRUE(client.put("empty", ""));
  auto got = client.get("empty");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(*got, "");
  EXPECT_EQ(client.head("empty")->size, 0u);
}

TEST_F(S3ClientTest, AMissingKeyIsNotFoundAndRemovingItIsFine) {
  S3Client client(settings_);
  auto got = client.get("nothing/here.jpg");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::not_found) << got.error().message;
  EXPECT_NE(got.error().message.find("GET nothing/here.jpg"), std::string::npos)
      << got.error().message;
  auto info = client.head("nothing/here.jpg");
  ASSERT_FALSE(info);
  EXPECT_EQ(info.error().code, Errc::not_found);
  EXPECT_TRUE(client.remove("nothing/here.jpg"));
  ASSERT_TRUE(client.put("there", "x"));
  EXPECT_TRUE(client.remove("there"));
  EXPECT_EQ(client.get("there").error().code, Errc::not_found);
}

TEST_F(S3ClientTest, ByteRanges) {
  S3Client client(settings_);
  const std::string data = random_bytes(1000, 3);
  ASSERT_TRUE(client.put("r", data));
  auto middle = client.get_range("r", 10, 19);
  ASSERT_TRUE(middle) << middle.error().message;
  EXPECT_EQ(*middle, data.substr(10, 10));
  auto tail = client.get_range("r", 990, 5000);  // cut at the end, as HTTP says
  ASSERT_TRUE(tail) << tail.error().message;
  EXPECT_EQ(*tail, data.substr(990));
  EXPECT_FALSE(client.get_range("r", 20, 10));
  auto past = client.get_range("r", 5000, 5001);
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().code, Errc::invalid_argument) << past.error().message;
}

TEST_F(S3ClientTest, ListingPagesThroughEveryKeyUnderAPrefix) {
  settings_.list_page_size = 2;  // 5 keys: three pages
  S3Client client(settings_);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.put("job-a/" + std::to_string(i) + ".jpg", "a"));
  ASSERT_TRUE(client.put("job-b/0.jpg", "b"));
  ASSERT_TRUE(client.put("job-a.txt", "not under job-a/"));
  auto keys = client.list("job-a/");
  ASSERT_TRUE(keys) << keys.error().message;
  EXPECT_EQ(*keys, (std::vector<std::string>{"job-a/0.jpg", "job-a/1.jpg", "job-a/2.jpg",
                                             "job-a/3.jpg", "job-a/4.jpg"}));
  ASSERT_TRUE(client.remove_prefix("job-a/"));
  EXPECT_TRUE(client.list("job-a/")->empty());
  EXPECT_EQ(*client.list("job-b/"), std::vector<std::string>{"job-b/0.jpg"});
  EXPECT_EQ(*client.get("job-a.txt"), "not under job-a/");
}

TEST_F(S3ClientTest, PrefixesKeepDeploymentsApart) {
  S3Client first(settings_);
  S3Settings other_settings = settings_;
  other_settings.prefix = "unit-" + new_uuid() + "/";
  S3Client other(other_settings);
  ASSERT_TRUE(first.put("same/key", "first"));
  ASSERT_TRUE(other.put("same/key", "other"));
  EXPECT_EQ(*first.get("same/key"), "first");
  EXPECT_EQ(*other.get("same/key"), "other");
  ASSERT_TRUE(other.remove_prefix(""));
  EXPECT_EQ(*first.get("same/key"), "first");
}

// s3rver checks a presigned URL's expiry but not V4 signatures themselves (its source:
// "Signature version 4 calculation is unimplemented"): the signatures are checked against
// AWS's published examples in sigv4_test.cpp, and the access key here.
TEST_F(S3ClientTest, APresignedUrlServesTheObjectUntilItExpires) {
  S3Client client(settings_);
  const std::string data = random_bytes(5000, 11);
  ASSERT_TRUE(client.put("shared/photo.jpg", data, "image/jpeg"));
  std::string url = client.presigned_get("shared/photo.jpg", 300s);
  EXPECT_NE(url.find("/shared/photo.jpg?X-Amz-Algorithm=AWS4-HMAC-SHA256&"), std::string::npos);
  auto [status, body] = fetch(url);
  EXPECT_EQ(status, 200) << url;
  EXPECT_TRUE(body == data);
  auto two_hours_ago = std::chrono::system_clock::now() - 2h;
  auto [expired_status, expired_body] =
      fetch(client.presigned_get("shared/photo.jpg", 60s, two_hours_ago));
  EXPECT_EQ(expired_status, 403) << expired_body;
  EXPECT_NE(expired_body.find("expired"), std::string::npos) << expired_body;
}

TEST_F(S3ClientTest, AnUnknownAccessKeyIsForbiddenWithTheStoresReason) {
  settings_.credentials.access_key_id = "NOT-A-KEY-OF-THIS-STORE";
  S3Client client(settings_);
  auto put = client.put("x", "y");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, Errc::forbidden) << put.error().message;
  EXPECT_NE(put.error().message.find("InvalidAccessKeyId"), std::string::npos)
      << put.error().message;
  EXPECT_EQ(client.get("x").error().code, Errc::forbidden);
}

TEST_F(S3ClientTest, AMissingBucketIsNotFound) {
  settings_.bucket = "no-such-bucket-" + new_uuid().substr(0, 8);
  S3Client client(settings_);
  auto put = client.put("x", "y");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, Errc::not_found) << put.error().message;
  EXPECT_NE(put.error().message.find("NoSuchBucket"), std::string::npos) << put.error().message;
}

// A TCP port on loopback: listening (accepting nothing, answering nothing) or closed.
class Socket {
 public:
  explicit Socket(bool listen_on_it) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    if (listen_on_it) {
      ::listen(fd_, 16);
    } else {
      ::close(fd_);  // the port is free again: nothing listens there
      fd_ = -1;
    }
  }
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_;
  int port_ = 0;
};

S3Settings unreachable(const Socket& socket) {
  S3Settings s;
  s.endpoint = socket.endpoint();
  s.bucket = "b";
  s.credentials = {"k", "s", ""};
  s.attempts = 3;
  s.first_retry_pause = 10ms;
  s.connect_timeout = 300ms;
  s.request_timeout = 300ms;
  return s;
}

TEST(S3ClientFaults, AClosedPortIsUnavailableAfterEveryAttempt) {
  Socket closed(false);
  S3Client client(unreachable(closed));
  auto got = client.get("k");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, Errc::unavailable) << got.error().message;
  EXPECT_NE(got.error().message.find("3 attempts"), std::string::npos) << got.error().message;
}

TEST(S3ClientFaults, AStoreThatNeverAnswersTimesOutWithinTheLimit) {
  Socket silent(true);  // the kernel completes the handshake; nobody ever answers
  S3Settings s = unreachable(silent);
  s.attempts = 2;
  S3Client client(s);
  auto started = std::chrono::steady_clock::now();
  auto put = client.put("k", std::string(1000, 'x'));
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().code, Errc::unavailable) << put.error().message;
  EXPECT_NE(put.error().message.find("2 attempts"), std::string::npos) << put.error().message;
  // Two tries of 300 ms and one pause of 10 ms; a wide margin for a loaded machine.
  EXPECT_LT(took, 5s);
}

TEST(S3ClientSettings, ABucketAndAUrlAreRequired) {
  S3Settings s;
  s.endpoint = "http://127.0.0.1:1";
  EXPECT_THROW(S3Client{s}, std::invalid_argument);
  s.bucket = "b";
  s.endpoint = "127.0.0.1:9000";
  EXPECT_THROW(S3Client{s}, std::invalid_argument);
}

}  // namespace
}  // namespace ov::objstore
