#pragma once
// The request pipeline, synchronous and free of socket code: request id -> CORS preflight ->
// routing (404/405/OPTIONS) -> rate limits -> authentication -> handler -> error boundary ->
// CORS, security headers, gzip, X-Request-ID, X-Process-Time -> access log.
// The server runs it on its worker pool, so handlers may block on the database.
//
// It runs in two phases so that a request body is read only once the request is admitted:
// admit() needs the request line and headers only (routing, rate limits, credentials), and
// run() calls the handler with the whole request. handle() does both.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/middleware.hpp"
#include "http/router.hpp"

namespace ov::http {

// Turns a bearer token into a principal; Errc::unauthenticated (401) otherwise.
using Authenticator = std::function<Result<Principal>(std::string_view token)>;

// What admit() decided. When `rejection` is set it is the answer (already finished: headers
// set, access log written) and the body must not be read.
struct Admission {
  std::chrono::steady_clock::time_point start;
  std::string request_id;
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::optional<Principal> principal;
  std::optional<Response> rejection;
};

class Pipeline {
 public:
  Pipeline(const Router& router, Cors cors, const RateLimitMiddleware* rate_limits,
           Authenticator authenticator);
  Response handle(const Request& request) const;
  // Phase one, on the request line and headers (`head` may lack its body).
  Admission admit(const Request& head) const;
  // Phase two: the handler of an admitted request (no rejection), then the finishing touches.
  Response run(const Request& request, Admission admission) const;
  // The bearer-token check of the pipeline, for the WebSocket endpoint.
  Result<Principal> authenticate(std::string_view token) const { return authenticator_(token); }
  // For answers the server makes before a request is complete (413, 431, 408, 400): the same
  // headers and access-log line as every other answer. `request` may lack its body.
  void finish_rejected(const Request& request, Response& response) const;

 private:
  void finish(const Request& request, const std::string& request_id, const Principal* principal,
              const Route* route, Response& response, double seconds) const;
  Response check(const Request& request, Admission& admission) const;
  const Router& router_;
  Cors cors_;
  const RateLimitMiddleware* rate_limits_;
  Authenticator authenticator_;
};

}  // namespace ov::http
