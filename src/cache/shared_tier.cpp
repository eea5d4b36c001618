#include "cache/shared_tier.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cache/log_throttle.hpp"
#include "cache/redis.hpp"

namespace ov::cache {
namespace {

// INCR and the generation's life in one step: a generation never outlives its last write by
// less than 2 x the longest TTL.
constexpr const char* kRaise =
    "local n = redis.call('INCR', KEYS[1]) redis.call('PEXPIRE', KEYS[1], ARGV[1]) return n";

}  // namespace

SharedTier::SharedTier(Redis& redis, std::chrono::milliseconds longest_ttl, std::string prefix)
    : redis_(redis), longest_ttl_(longest_ttl), prefix_(std::move(prefix)) {}

std::string SharedTier::value_key(const std::string& space, const std::string& key,
                                  const std::string& field) const {
  std::string k = prefix_ + "v:" + space + ":" + key;
  if (!field.empty()) k += "|" + field;
  return k;
}

std::string SharedTier::generation_key(const std::string& space, const std::string& key) const {
  return prefix_ + "g:" + space + ":" + key;
}

void SharedTier::failed(const char* what, const std::string& why) {
  ++failures_;
  static LogThrottle throttle(std::chrono::seconds(10));
  if (auto held_back = throttle.admit()) {
    spdlog::warn("cache: a Redis {} failed ({}; {} more held back); the database answers", what,
                 why, *held_back);
  }
}

SharedRead SharedTier::get(const std::string& space, const std::string& key,
                           const std::string& field) {
  SharedRead read;
  auto reply = redis_.command({"MGET", value_key(space, key, field), generation_key(space, key)});
  if (!reply || reply->type != RedisReply::Type::array || reply->elements.size() != 2) {
    failed("read", reply ? (reply->type == RedisReply::Type::error ? reply->str : "odd reply")
                         : reply.error().message);
    return read;
  }
  const RedisReply& value = reply->elements[0];
  const RedisReply& generation = reply->elements[1];
  read.generation = generation.type == RedisReply::Type::string ? generation.str : "0";
  const std::string mark = *read.generation + "|";
  if (value.type == RedisReply::Type::string && value.str.compare(0, mark.size(), mark) == 0) {
    read.value = value.str.substr(mark.size());
    ++hits_;
  } else {
    ++misses_;  // absent, or stored before the last write
  }
  return read;
}

void SharedTier::put(const std::string& space, const std::string& key, const std::string& field,
                     const std::string& generation, const std::string& payload,
                     std::chrono::milliseconds ttl) {
  ttl = std::clamp(ttl, std::chrono::milliseconds(1), longest_ttl_);
  auto reply = redis_.command({"SET", value_key(space, key, field), generation + "|" + payload,
                               "PX", std::to_string(ttl.count())});
  if (!reply || reply->type == RedisReply::Type::error) {
    failed("store", reply ? reply->str : reply.error().message);
  }
}

void SharedTier::invalidate(const std::string& space, const std::string& key) {
  auto reply = redis_.command(
      {"EVAL", kRaise, "1", generation_key(space, key), std::to_string(2 * longest_ttl_.count())});
  if (!reply || reply->type == RedisReply::Type::error) {
    // The other nodes still forget it from the event; this tier's copy lives out its TTL.
    failed("invalidation", reply ? reply->str : reply.error().message);
  }
}

SharedTierStats SharedTier::stats() const {
  return SharedTierStats{hits_.load(), misses_.load(), failures_.load()};
}

}  // namespace ov::cache
