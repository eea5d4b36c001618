#pragma once
// Token-bucket rate limiting, in memory (embedded) or in Redis (shared by every node).
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace ov::cache {

class Redis;

struct RateLimit {
  double per_second = 10.0;  // refill rate
  double burst = 20.0;       // bucket capacity
};

struct RateDecision {
  bool allowed = true;
  double retry_after_s = 0.0;  // when not allowed: seconds until `cost` tokens are back
  double remaining = 0.0;      // tokens left (after this take when allowed)
};

// Rules shared by both implementations:
// - a bucket starts full (`burst` tokens) and refills at `per_second`, capped at `burst`;
// - a take that would overdraw takes nothing (the caller's refused attempts do not dig the
//   hole deeper) and answers the exact wait until `cost` tokens are there;
// - a cost above the burst can never be met: refused, retry_after_s is the time to fill up;
// - per_second <= 0 or burst <= 0 means "no limit": always allowed.
class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // Takes `cost` tokens from the bucket named `key` (for example "ip:127.0.0.1").
  virtual RateDecision take(const std::string& key, const RateLimit& limit, double cost = 1.0) = 0;
  // Whether take() may wait on the network (Redis): then it must not run on an I/O thread.
  virtual bool may_block() const { return true; }
  // The same take without blocking: the decision when it can be made from memory, nullopt when
  // only take() can make it (then nothing was taken).
  virtual std::optional<RateDecision> try_take_now(const std::string& key, const RateLimit& limit,
                                                   double cost = 1.0) {
    if (may_block()) return std::nullopt;
    return take(key, limit, cost);
  }
  // Returns tokens that try_take_now() took, for a request that did not go on (it moved to the
  // blocking path, which takes them again). Best effort; a limiter may ignore it.
  virtual void give_back(const std::string& key, const RateLimit& limit, double cost = 1.0) {
    (void)key, (void)limit, (void)cost;
  }
};

// Monotonic time in seconds (any origin); injectable so tests can move time by hand.
using SecondsClock = std::function<double()>;

// Thread-safe, bounded memory: a bucket that has refilled to full is the same as no bucket, so
// such buckets are swept away; the map holds at most about twice the buckets still refilling.
class MemoryRateLimiter : public RateLimiter {
 public:
  virtual std::size_t bucket_count() = 0;  // buckets held now (for metrics and tests)
  bool may_block() const override { return false; }
};
// An empty clock means std::chrono::steady_clock.
std::unique_ptr<MemoryRateLimiter> make_memory_rate_limiter(SecondsClock clock = {});
// Atomic through a Lua script using the Redis server's clock (TIME), so nodes with skewed
// clocks agree; keys are "rl:<key>" and expire once the bucket would be full again. Fails open
// (allows) when Redis is unreachable or answers an error, logging a warning at most every 10 s.
std::unique_ptr<RateLimiter> make_redis_rate_limiter(Redis& redis);

// Spends a shared limiter's buckets from memory: a take that finds no tokens here takes a lease
// of several from `shared` at once (a fraction of the burst, capped) and later takes spend it
// without a round trip (try_take_now answers from the lease). Never more permissive than
// `shared`: every token spent was taken from the shared bucket first; what a lease leaves
// unspent at its end is dropped, not returned. Buckets too small for a lease of two tokens or
// more go to `shared` on every take, as before. A refusal always comes from `shared`, with its
// exact wait.
struct LeaseSettings {
  double burst_fraction = 0.1;  // of the bucket's burst, per lease
  double max_tokens = 1024;     // per lease
  double lifetime_s = 1.0;      // unspent tokens of a lease are dropped after this
};
std::unique_ptr<RateLimiter> make_leased_rate_limiter(std::unique_ptr<RateLimiter> shared,
                                                      LeaseSettings settings = {},
                                                      SecondsClock clock = {});

}  // namespace ov::cache
