#pragma once
// The middleware of the request pipeline, one file each under middleware/.
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/rate_limiter.hpp"
#include "http/message.hpp"
#include "http/router.hpp"

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
// q-values aware: "gzip;q=0" refuses; "*" accepts any coding not named.
bool accepts_gzip(std::string_view accept_encoding);
bool accepts_encoding(std::string_view accept_encoding, std::string_view coding);

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
  double camera_per_minute = 0, camera_burst = 1;  // rate group "camera": DeepStack routes
};
class RateLimitMiddleware {
 public:
  RateLimitMiddleware(cache::RateLimiter& limiter, RateLimits limits);

  // The checks of one request on the I/O thread: tokens taken from memory only. A check that
  // would need the network throws WouldBlock; when a FastTakes is destroyed by an exception
  // (that one, or the pipeline giving up the fast path for another reason), the tokens this
  // request took are given back, so that the blocking path can take them again.
  struct WouldBlock {};
  class FastTakes {
   public:
    explicit FastTakes(const RateLimitMiddleware& owner)
        : owner_(owner), exceptions_(std::uncaught_exceptions()) {}
    ~FastTakes();
    FastTakes(const FastTakes&) = delete;
    FastTakes& operator=(const FastTakes&) = delete;

   private:
    friend class RateLimitMiddleware;
    const RateLimitMiddleware& owner_;
    const int exceptions_;
    std::vector<std::pair<std::string, cache::RateLimit>> taken_;
  };

  // Before authentication: per IP (and per IP for the auth group). A 429 response or nothing.
  // With `fast`, on the I/O thread (see FastTakes).
  std::optional<Response> check_ip(const Route* route, const Request& request,
                                   FastTakes* fast = nullptr) const;
  // After authentication: per user.
  std::optional<Response> check_user(const Route* route, const Principal& principal,
                                     FastTakes* fast = nullptr) const;

 private:
  std::optional<Response> take(const std::string& key, double per_minute, double burst,
                               FastTakes* fast) const;
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
