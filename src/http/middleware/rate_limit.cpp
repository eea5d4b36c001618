#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "cache/rate_limiter.hpp"
#include "http/middleware.hpp"

namespace ov::http {

RateLimitMiddleware::RateLimitMiddleware(cache::RateLimiter& limiter, RateLimits limits)
    : limiter_(limiter), limits_(limits) {}

RateLimitMiddleware::FastTakes::~FastTakes() {
  if (std::uncaught_exceptions() == exceptions_) return;  // the request was decided
  for (const auto& [key, limit] : taken_) owner_.limiter_.give_back(key, limit);
}

std::optional<Response> RateLimitMiddleware::take(const std::string& key, double per_minute,
                                                  double burst, FastTakes* fast) const {
  if (per_minute <= 0) return std::nullopt;
  const cache::RateLimit limit{per_minute / 60.0, burst};
  cache::RateDecision d;
  if (fast) {
    auto now = limiter_.try_take_now(key, limit);
    if (!now) throw WouldBlock{};
    d = *now;
    if (d.allowed) fast->taken_.emplace_back(key, limit);
  } else {
    d = limiter_.take(key, limit);
  }
  if (d.allowed) return std::nullopt;
  Response r = error_response(429, "Too Many Requests");
  r.headers.set("Retry-After",
                std::to_string(std::max(1L, std::lround(std::ceil(d.retry_after_s)))));
  return r;
}

std::optional<Response> RateLimitMiddleware::check_ip(const Route* route, const Request& request,
                                                      FastTakes* fast) const {
  if (route && route->rate_group == "none") return std::nullopt;
  if (route && route->rate_group == "auth") {
    if (auto r =
            take("auth:" + request.client_ip, limits_.auth_per_minute, limits_.auth_burst, fast)) {
      return r;
    }
  }
  if (route && route->rate_group == "camera") {  // their own bucket, instead of the general one
    return take("camera:" + request.client_ip, limits_.camera_per_minute, limits_.camera_burst,
                fast);
  }
  return take("ip:" + request.client_ip, limits_.ip_per_minute, limits_.ip_burst, fast);
}

std::optional<Response> RateLimitMiddleware::check_user(const Route* route,
                                                        const Principal& principal,
                                                        FastTakes* fast) const {
  if (route && route->rate_group == "none") return std::nullopt;
  return take("user:" + principal.user.id, limits_.user_per_minute, limits_.user_burst, fast);
}

}  // namespace ov::http
