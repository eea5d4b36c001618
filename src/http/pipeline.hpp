#pragma once
// The request pipeline, free of socket code: request id -> CORS preflight -> routing
// (404/405/OPTIONS) -> rate limits -> authentication -> handler -> error boundary -> CORS,
// security headers, gzip, X-Request-ID, X-Process-Time -> access log.
//
// It runs in two phases so that a request body is read only once the request is admitted:
// admit() needs the request line and headers only (routing, rate limits, credentials), and
// run() calls the handler with the whole request. handle() does both.
//
// And each phase has a fast form that runs on the I/O thread and never blocks: admit_fast()
// and run_fast() answer from memory (the verified-token cache, in-memory rate limits, a
// route's fast handler and the caches behind it) or return nullopt, and the server runs the
// blocking form on its bounded blocking pool instead. Nothing is done twice: a fast attempt
// that gives up has changed nothing.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "http/middleware.hpp"
#include "http/router.hpp"

namespace ov::obs {
class Span;
}

namespace ov::http {

// Turns a bearer token into a principal (Errc::unauthenticated, 401, otherwise). `check` may
// block (the database); `fast`, when set, answers without blocking or returns nullopt;
// `authoritative`, when set, reads the source of truth past every cache (else `check`).
struct Authenticator {
  std::function<Result<Principal>(std::string_view token)> check;
  std::function<std::optional<Result<Principal>>(std::string_view token)> fast;
  std::function<Result<Principal>(std::string_view token)> authoritative;
};

// What admit() decided. When `rejection` is set it is the answer (already finished: headers
// set, access log written) and the body must not be read.
struct Admission {
  std::chrono::steady_clock::time_point start;
  std::string request_id;
  // The request's server span (continuing the caller's traceparent), current while its
  // phases run; null when there is no trace. Ended with the answer.
  std::shared_ptr<obs::Span> span;
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
  // Phase one, on the request line and headers (`head` may lack its body). May block.
  Admission admit(const Request& head) const;
  // The same without blocking, or nullopt when that is not possible (a token not in the cache,
  // rate limits in Redis): then admit() decides.
  std::optional<Admission> admit_fast(const Request& head) const;
  // Phase two: the handler of an admitted request (no rejection). May block. The answer is
  // finished, unless it is deferred (Response::later): then finish_late() once it is there.
  Response run(const Request& request, Admission& admission) const;
  // The route's fast handler, on the I/O thread; nullopt: run() must answer.
  std::optional<Response> run_fast(const Request& request, Admission& admission) const;
  void finish_late(const Request& request, const Admission& admission, Response& response) const;
  // The bearer-token check of the pipeline, for the WebSocket endpoint.
  Result<Principal> authenticate(std::string_view token) const {
    return authenticator_.check(token);
  }
  // Past every cache: an open WebSocket's periodic recheck.
  Result<Principal> authenticate_authoritatively(std::string_view token) const {
    return authenticator_.authoritative ? authenticator_.authoritative(token)
                                        : authenticator_.check(token);
  }
  std::optional<Result<Principal>> authenticate_fast(std::string_view token) const {
    if (!authenticator_.fast) return std::nullopt;
    return authenticator_.fast(token);
  }
  // For answers the server makes before a request is complete (413, 431, 408, 400, 503): the
  // same headers and access-log line as every other answer. `request` may lack its body.
  void finish_rejected(const Request& request, Response& response) const;

 private:
  void finish(const Request& request, const std::string& request_id, const Principal* principal,
              const Route* route, obs::Span* span, Response& response, double seconds) const;
  // Everything before the handler; `fast`: never block (nullopt when it would have to).
  std::optional<Response> check(const Request& request, Admission& admission, bool fast) const;
  std::optional<Admission> decide(const Request& head, bool fast) const;
  Response call(const Request& request, Admission& admission, const Handler& handler) const;
  const Router& router_;
  Cors cors_;
  const RateLimitMiddleware* rate_limits_;
  Authenticator authenticator_;
};

}  // namespace ov::http
