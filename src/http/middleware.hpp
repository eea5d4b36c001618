#pragma once
// The middleware of the request pipeline, one file each under middleware/.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "http/router.hpp"

namespace ov::cache {
class RateLimiter;
struct RateLimit;
}  // namespace ov::cache

namespace ov::http {

// request_id.cpp: a valid incoming X-Request-ID (1-128 of [A-Za-z0-9._:-]) or a new UUID.
std::string resolve_request_id(const Request& request);

// cors.cpp: allow-list from CORS_ORIGINS ("*" allows any origin, without credentials).
class Cors {
 public:
  explicit Cors(std::vector<std::string> origins);
  bool is_preflight(const Request& request) const;
  Response preflight(const Request& request, const std::vector<std::string>& methods) const;
  void decorate(const Request& request, Response& response) const;

 private:
  bool allowed(std::string_view origin) const;
  std::vector<std::string> origins_;
  bool any_ = false;
};

// gzip.cpp: compresses bodies of at least min_bytes when the client accepts gzip.
void maybe_gzip(const Request& request, Response& response, std::size_t min_bytes = 1000);
// q-values aware: "gzip;q=0" refuses.
bool accepts_gzip(std::string_view accept_encoding);

// security_headers.cpp
void add_security_headers(const Request& request, Response& response);

// error_boundary.cpp: the single place where failures become {"detail": ...}.
Response error_response(int status, std::string_view detail);
template <class F>
Response guarded(F&& f);
Response current_exception_response();  // inside a catch block

// rate_limit.cpp: token buckets per client IP, per user, and for the "auth" route group.
struct RateLimits {
  double ip_per_minute = 0, ip_burst = 1;
  double user_per_minute = 0, user_burst = 1;
  double auth_per_minute = 0, auth_burst = 1;
};
class RateLimitMiddleware {
 public:
  RateLimitMiddleware(cache::RateLimiter& limiter, RateLimits limits);
  // Before authentication: per IP (and per IP for the auth group). A 429 response or nothing.
  std::optional<Response> check_ip(const Route* route, const Request& request) const;
  // After authentication: per user.
  std::optional<Response> check_user(const Route* route, const Principal& principal) const;
  // Whether the checks may wait on the network (Redis buckets): not on an I/O thread then.
  bool may_block() const;

 private:
  std::optional<Response> take(const std::string& key, double per_minute, double burst) const;
  cache::RateLimiter& limiter_;
  RateLimits limits_;
};

template <class F>
Response guarded(F&& f) {
  try {
    return f();
  } catch (...) {
    return current_exception_response();
  }
}

}  // namespace ov::http
