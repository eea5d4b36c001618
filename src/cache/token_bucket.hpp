#pragma once
// The token-bucket arithmetic of the in-memory limiter (internal to ov_cache). The Redis
// limiter's Lua script follows the same rules; see rate_limiter.hpp.
#include <algorithm>

#include "cache/rate_limiter.hpp"

namespace ov::cache::detail {

// Absorbs floating-point dust so that waiting exactly retry_after_s is enough.
constexpr double kTokenEpsilon = 1e-9;

inline bool limit_enabled(const RateLimit& limit) {
  return limit.per_second > 0.0 && limit.burst > 0.0;
}

inline RateDecision unlimited(const RateLimit& limit) {
  return RateDecision{true, 0.0, std::max(0.0, limit.burst)};
}

inline double refill(double tokens, double elapsed_s, const RateLimit& limit) {
  return std::min(limit.burst, tokens + std::max(0.0, elapsed_s) * limit.per_second);
}

struct TakeResult {
  RateDecision decision;
  double tokens_after = 0.0;
};

inline TakeResult take_tokens(double tokens, const RateLimit& limit, double cost) {
  cost = std::max(0.0, cost);
  if (cost > limit.burst) {  // can never be met
    return {RateDecision{false, (limit.burst - tokens) / limit.per_second, tokens}, tokens};
  }
  if (tokens + kTokenEpsilon >= cost) {
    double left = std::max(0.0, tokens - cost);
    return {RateDecision{true, 0.0, left}, left};
  }
  return {RateDecision{false, (cost - tokens) / limit.per_second, tokens}, tokens};
}

}  // namespace ov::cache::detail
