#pragma once
// Token-bucket rate limiting, in memory (embedded) or in Redis (shared by every node).
#include <memory>
#include <string>

namespace ov::cache {

class Redis;

struct RateLimit {
  double per_second = 10.0;  // refill rate
  double burst = 20.0;       // bucket capacity
};

struct RateDecision {
  bool allowed = true;
  double retry_after_s = 0.0;  // when not allowed: seconds until one token is back
  double remaining = 0.0;      // tokens left after this take
};

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes `cost` tokens from the bucket named `key` (for example "ip:127.0.0.1").
  virtual RateDecision take(const std::string& key, const RateLimit& limit, double cost = 1.0) = 0;
};

// Thread-safe, bounded memory (idle buckets are evicted).
std::unique_ptr<RateLimiter> make_memory_rate_limiter();
// Atomic through a Lua script; fails open (allows) when Redis is unreachable, and logs it.
std::unique_ptr<RateLimiter> make_redis_rate_limiter(Redis& redis);

}  // namespace ov::cache
