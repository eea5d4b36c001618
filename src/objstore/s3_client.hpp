#pragma once
// A small client of one bucket of an S3-compatible store (AWS S3, MinIO, Ceph RGW, Garage,
// s3rver): put, get (whole or a byte range), head, delete, list and delete by prefix, and
// presigned GET URLs. Requests are signed with AWS Signature V4 (sigv4.hpp, the payload's
// SHA-256 included) and sent with libcurl; a request that fails on the network, times out or
// gets a 5xx (S3's 503 SlowDown included) is tried again, with a growing pause, up to
// `attempts` times, signed anew each time. Errors are values: not_found (404), forbidden
// (403: credentials or signature refused, S3's code in the message), no_space (the store's
// quota), unavailable (unreachable, timed out, 5xx after every attempt), internal otherwise.
// Thread-safe: each call takes a libcurl handle from a small pool (kept connections).
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "objstore/sigv4.hpp"

namespace ov::objstore {

struct S3Settings {
  std::string endpoint;  // "http://127.0.0.1:9000", "https://s3.eu-west-1.amazonaws.com"
  std::string bucket;
  std::string prefix;  // every key is stored as prefix + key ("objectvision/")
  std::string region = "us-east-1";
  sigv4::Credentials credentials;
  bool path_style = true;  // endpoint/bucket/key; false: bucket.endpoint-host/key
  std::chrono::milliseconds connect_timeout{3000};
  std::chrono::milliseconds request_timeout{30000};
  int attempts = 3;
  std::chrono::milliseconds first_retry_pause{100};  // doubled after each failed attempt
  int list_page_size = 1000;                         // max-keys of one ListObjectsV2 page
};

struct ObjectInfo {
  std::uint64_t size = 0;
  std::string etag;  // as the store gives it, quotes included
};

class S3Client {
 public:
  explicit S3Client(S3Settings settings);
  ~S3Client();
  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Settings& settings() const { return settings_; }

  Result<void> put(std::string_view key, std::string_view data,
                   std::string_view content_type = "application/octet-stream");
  Result<std::string> get(std::string_view key) const;
  // Bytes first..last (inclusive), as an HTTP Range; the end is cut at the object's size.
  Result<std::string> get_range(std::string_view key, std::uint64_t first,
                                std::uint64_t last) const;
  Result<ObjectInfo> head(std::string_view key) const;
  // A key that is not there is fine (S3 answers 204 either way).
  Result<void> remove(std::string_view key);
  // Keys under `key_prefix` (without the settings' prefix), every page.
  Result<std::vector<std::string>> list(std::string_view key_prefix) const;
  Result<void> remove_prefix(std::string_view key_prefix);
  // One request that needs the bucket and the credentials (a listing of one key): whether
  // the store can be used now, with the reason when not.
  Result<void> probe() const;
  // A URL anyone may GET the object with until `ttl` passes (1 s to 7 days).
  std::string presigned_get(
      std::string_view key, std::chrono::seconds ttl,
      std::chrono::system_clock::time_point now = std::chrono::system_clock::now()) const;

 private:
  struct Call;   // one request (s3_client.cpp)
  struct Reply;  // its answer
  Result<Reply> send(const Call& call) const;
  struct Target {
    std::string scheme;
    std::string host;  // the Host header: authority of the URL
    std::string path;  // not encoded
  };
  Target target(std::string_view key) const;  // the object key as stored (prefix included)

  S3Settings settings_;
  struct Handles;
  std::unique_ptr<Handles> handles_;
};

}  // namespace ov::objstore
