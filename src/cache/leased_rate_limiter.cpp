// Shared buckets spent from memory: tokens are taken from the shared limiter (Redis) a few at a
// time and spent locally, so that most requests decide without a round trip.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "cache/rate_limiter.hpp"
#include "cache/token_bucket.hpp"

namespace ov::cache {
namespace {

constexpr std::size_t kShards = 16;
constexpr std::size_t kMinSweep = 1024;  // per shard: below this size no sweep is needed

struct Lease {
  double tokens = 0.0;     // taken from the shared bucket, not spent yet
  double expires_s = 0.0;  // unspent tokens are dropped then (never returned: conservative)
};

struct Shard {
  std::mutex mutex;
  std::unordered_map<std::string, Lease> leases;
  std::size_t sweep_at = kMinSweep;
};

class LeasedRateLimiter final : public RateLimiter {
 public:
  LeasedRateLimiter(std::unique_ptr<RateLimiter> shared, LeaseSettings settings, SecondsClock clock)
      : shared_(std::move(shared)), settings_(settings), clock_(std::move(clock)) {}

  bool may_block() const override { return shared_->may_block(); }

  std::optional<RateDecision> try_take_now(const std::string& key, const RateLimit& limit,
                                           double cost) override {
    if (!detail::limit_enabled(limit)) return detail::unlimited(limit);
    if (lease_size(limit, cost) <= cost) return shared_->try_take_now(key, limit, cost);
    return spend(key, cost);
  }

  void give_back(const std::string& key, const RateLimit& limit, double cost) override {
    if (!detail::limit_enabled(limit)) return;
    if (lease_size(limit, cost) <= cost) return shared_->give_back(key, limit, cost);
    double now = clock_();
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.leases.find(key);
    if (it != shard.leases.end() && it->second.expires_s > now) it->second.tokens += cost;
  }

  RateDecision take(const std::string& key, const RateLimit& limit, double cost) override {
    if (!detail::limit_enabled(limit)) return detail::unlimited(limit);
    const double size = lease_size(limit, cost);
    if (size <= cost) return shared_->take(key, limit, cost);  // small limits: exact, shared
    if (auto spent = spend(key, cost)) return *spent;
    // A new lease: `size` tokens from the shared bucket, this request's among them. When the
    // bucket holds fewer, this request alone asks for its own (and gets the exact wait).
    RateDecision leased = shared_->take(key, limit, size);
    if (!leased.allowed) return shared_->take(key, limit, cost);
    double now = clock_();
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    auto [it, inserted] = shard.leases.try_emplace(key);
    Lease& lease = it->second;
    if (lease.expires_s <= now) lease.tokens = 0.0;
    lease.tokens += size - cost;
    lease.expires_s = now + settings_.lifetime_s;
    if (inserted) maybe_sweep(shard, now);
    return RateDecision{true, 0.0, leased.remaining + lease.tokens};
  }

 private:
  // How many tokens one lease takes: a fraction of the burst, at most max_tokens; 1 or less
  // means no lease (every take asks the shared bucket).
  double lease_size(const RateLimit& limit, double cost) const {
    double size = std::floor(limit.burst * settings_.burst_fraction);
    size = std::min(size, settings_.max_tokens);
    return std::max(size, cost);
  }

  std::optional<RateDecision> spend(const std::string& key, double cost) {
    double now = clock_();
    Shard& shard = shard_of(key);
    std::lock_guard lock(shard.mutex);
    auto it = shard.leases.find(key);
    if (it == shard.leases.end() || it->second.expires_s <= now ||
        it->second.tokens + detail::kTokenEpsilon < cost) {
      return std::nullopt;
    }
    it->second.tokens = std::max(0.0, it->second.tokens - cost);
    return RateDecision{true, 0.0, it->second.tokens};
  }

  Shard& shard_of(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % kShards];
  }

  static void maybe_sweep(Shard& shard, double now) {
    if (shard.leases.size() < shard.sweep_at) return;
    for (auto it = shard.leases.begin(); it != shard.leases.end();) {
      it = it->second.expires_s <= now ? shard.leases.erase(it) : std::next(it);
    }
    shard.sweep_at = std::max(kMinSweep, shard.leases.size() * 2);
  }

  std::unique_ptr<RateLimiter> shared_;
  const LeaseSettings settings_;
  SecondsClock clock_;
  std::array<Shard, kShards> shards_;
};

double steady_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::unique_ptr<RateLimiter> make_leased_rate_limiter(std::unique_ptr<RateLimiter> shared,
                                                      LeaseSettings settings, SecondsClock clock) {
  if (!clock) clock = steady_seconds;
  return std::make_unique<LeasedRateLimiter>(std::move(shared), settings, std::move(clock));
}

}  // namespace ov::cache
