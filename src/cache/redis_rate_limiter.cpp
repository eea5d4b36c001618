// The shared token bucket: one Lua script per take, run atomically by Redis on its own clock.
#include <algorithm>
#include <charconv>
#include <mutex>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cache/log_throttle.hpp"
#include "cache/rate_limiter.hpp"
#include "cache/redis.hpp"
#include "cache/token_bucket.hpp"

namespace ov::cache {
namespace {

// KEYS[1] bucket; ARGV rate per second, burst, cost. State: hash {tk = tokens, ts = seconds}.
// Returns {allowed 0|1, tokens left, retry after in seconds} (numbers as strings: Lua numbers
// would be truncated to integers in the reply). Same rules as token_bucket.hpp.
constexpr const char* kScript = R"lua(
if redis.replicate_commands then redis.replicate_commands() end
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = math.max(0, tonumber(ARGV[3]))
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local s = redis.call('HMGET', KEYS[1], 'tk', 'ts')
local tokens = burst
if s[1] and s[2] then
  tokens = math.min(burst, tonumber(s[1]) + math.max(0, now - tonumber(s[2])) * rate)
end
local allowed = 0
local retry = 0
if cost > burst then
  retry = (burst - tokens) / rate
elseif tokens + 1e-9 >= cost then
  allowed = 1
  tokens = math.max(0, tokens - cost)
else
  retry = (cost - tokens) / rate
end
local ttl = math.ceil((burst - tokens) / rate * 1000)
if ttl > 0 then
  redis.call('HSET', KEYS[1], 'tk', string.format('%.17g', tokens), 'ts', string.format('%.6f', now))
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('DEL', KEYS[1])
end
return {allowed, string.format('%.17g', tokens), string.format('%.17g', retry)}
)lua";

std::string number(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

bool parse_double(const std::string& text, double& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

class RedisRateLimiter final : public RateLimiter {
 public:
  explicit RedisRateLimiter(Redis& redis) : redis_(redis) {}

  RateDecision take(const std::string& key, const RateLimit& limit, double cost) override {
    if (!detail::limit_enabled(limit)) return detail::unlimited(limit);
    std::vector<std::string> args{"rl:" + key, number(limit.per_second), number(limit.burst),
                                  number(cost)};
    auto reply = run(args);
    if (!reply) return fail_open(reply.error().message, limit, cost);
    const RedisReply& r = *reply;
    if (r.type == RedisReply::Type::error) return fail_open(r.str, limit, cost);
    RateDecision d;
    if (r.type != RedisReply::Type::array || r.elements.size() != 3 ||
        r.elements[0].type != RedisReply::Type::integer ||
        !parse_double(r.elements[1].str, d.remaining) ||
        !parse_double(r.elements[2].str, d.retry_after_s)) {
      return fail_open("unexpected reply from the rate-limit script", limit, cost);
    }
    d.allowed = r.elements[0].integer == 1;
    return d;
  }

 private:
  // EVALSHA with the SHA1 that SCRIPT LOAD answered; EVAL (which caches the script again)
  // when the server lost it (restart, SCRIPT FLUSH) or would not load it.
  Result<RedisReply> run(const std::vector<std::string>& args) {
    std::string sha = script_sha();
    if (sha.empty()) {
      auto loaded = redis_.command({"SCRIPT", "LOAD", kScript});
      if (!loaded) return loaded.error();
      if (loaded->type == RedisReply::Type::string) {
        sha = loaded->str;
        std::lock_guard lock(mutex_);
        sha_ = sha;
      }
    }
    if (!sha.empty()) {
      auto reply = redis_.command(with_head({"EVALSHA", sha, "1"}, args));
      if (!reply || reply->type != RedisReply::Type::error || reply->str.rfind("NOSCRIPT", 0) != 0)
        return reply;
    }
    return redis_.command(with_head({"EVAL", kScript, "1"}, args));
  }

  static std::vector<std::string> with_head(std::vector<std::string> head,
                                            const std::vector<std::string>& args) {
    head.insert(head.end(), args.begin(), args.end());
    return head;
  }

  std::string script_sha() {
    std::lock_guard lock(mutex_);
    return sha_;
  }

  RateDecision fail_open(const std::string& why, const RateLimit& limit, double cost) {
    if (auto held_back = log_throttle_.admit()) {
      spdlog::warn(
          "rate limiter: Redis failed ({}); allowing requests ({} more failures since "
          "the last report)",
          why, *held_back);
    }
    return RateDecision{true, 0.0, std::max(0.0, limit.burst - cost)};
  }

  Redis& redis_;
  std::mutex mutex_;
  std::string sha_;
  LogThrottle log_throttle_;
};

}  // namespace

std::unique_ptr<RateLimiter> make_redis_rate_limiter(Redis& redis) {
  return std::make_unique<RedisRateLimiter>(redis);
}

}  // namespace ov::cache
