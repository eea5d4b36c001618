// The in-process token bucket: sharded maps of buckets, swept of full (idle) ones.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "cache/rate_limiter.hpp"
#include "cache/token_bucket.hpp"

namespace ov::cache {
namespace {

constexpr std::size_t kShards = 32;
constexpr std::size_t kMinSweep = 1024;  // per shard: below this size no sweep is needed

struct Bucket {
  double tokens = 0.0;
  double updated_s = 0.0;
  double full_at_s = 0.0;  // when it will have refilled to the burst: then it can go
};

struct Shard {
  std::mutex mutex;
  std::unordered_map<std::string, Bucket> buckets;
  std::size_t sweep_at = kMinSweep;
};

class ShardedRateLimiter final : public MemoryRateLimiter {
 public:
  explicit ShardedRateLimiter(SecondsClock clock) : clock_(std::move(clock)) {}

  RateDecision take(const std::string& key, const RateLimit& limit, double cost) override {
    if (!detail::limit_enabled(limit)) return detail::unlimited(limit);
    double now = clock_();
    Shard& shard = shards_[std::hash<std::string>{}(key) % kShards];
    std::lock_guard lock(shard.mutex);

    auto it = shard.buckets.find(key);
    double tokens = limit.burst;
    if (it != shard.buckets.end()) {
      tokens = detail::refill(it->second.tokens, now - it->second.updated_s, limit);
    }
    detail::TakeResult r = detail::take_tokens(tokens, limit, cost);
    if (r.tokens_after >= limit.burst) {
      if (it != shard.buckets.end()) shard.buckets.erase(it);  // full is the same as absent
    } else {
      Bucket b{r.tokens_after, now, now + (limit.burst - r.tokens_after) / limit.per_second};
      if (it != shard.buckets.end()) {
        it->second = b;
      } else {
        shard.buckets.emplace(key, b);
        maybe_sweep(shard, now);
      }
    }
    return r.decision;
  }

  std::size_t bucket_count() override {
    std::size_t n = 0;
    for (Shard& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      n += shard.buckets.size();
    }
    return n;
  }

 private:
  // Amortised: a sweep runs when the shard has doubled since the last one, so the map stays
  // within twice the number of buckets that are still refilling (plus kMinSweep).
  static void maybe_sweep(Shard& shard, double now) {
    if (shard.buckets.size() < shard.sweep_at) return;
    std::erase_if(shard.buckets,
                  [now](const auto& entry) { return entry.second.full_at_s <= now; });
    shard.sweep_at = std::max(kMinSweep, shard.buckets.size() * 2);
  }

  SecondsClock clock_;
  std::array<Shard, kShards> shards_;
};

double steady_seconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::unique_ptr<MemoryRateLimiter> make_memory_rate_limiter(SecondsClock clock) {
  if (!clock) clock = steady_seconds;
  return std::make_unique<ShardedRateLimiter>(std::move(clock));
}

}  // namespace ov::cache
