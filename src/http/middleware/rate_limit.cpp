#include <cmath>

#include "cache/rate_limiter.hpp"
#include "http/middleware.hpp"

namespace ov::http {

RateLimitMiddleware::RateLimitMiddleware(cache::RateLimiter& limiter, RateLimits limits)
    : limiter_(limiter), limits_(limits) {}

std::optional<Response> RateLimitMiddleware::take(const std::string& key, double per_minute,
                                                  double burst) const {
  if (per_minute <= 0) return std::nullopt;
  auto d = limiter_.take(key, cache::RateLimit{per_minute / 60.0, burst});
  if (d.allowed) return std::nullopt;
  Response r = error_response(429, "Too Many Requests");
  r.headers.set("Retry-After",
                std::to_string(std::max(1L, std::lround(std::ceil(d.retry_after_s)))));
  return r;
}

std::optional<Response> RateLimitMiddleware::check_ip(const Route* route,
                                                      const Request& request) const {
  if (route && route->rate_group == "none") return std::nullopt;
  if (route && route->rate_group == "auth") {
    if (auto r = take("auth:" + request.client_ip, limits_.auth_per_minute, limits_.auth_burst)) {
      return r;
    }
  }
  return take("ip:" + request.client_ip, limits_.ip_per_minute, limits_.ip_burst);
}

bool RateLimitMiddleware::may_block() const {
  return limiter_.may_block();
}

std::optional<Response> RateLimitMiddleware::check_user(const Route* route,
                                                        const Principal& principal) const {
  if (route && route->rate_group == "none") return std::nullopt;
  return take("user:" + principal.user.id, limits_.user_per_minute, limits_.user_burst);
}

}  // namespace ov::http
