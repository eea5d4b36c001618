#pragma once
// The request pipeline, synchronous and free of socket code: request id -> CORS preflight ->
// routing (404/405/OPTIONS) -> rate limits -> authentication -> handler -> error boundary ->
// CORS, security headers, gzip, X-Request-ID, X-Process-Time -> access log.
// The server runs it on its worker pool, so handlers may block on the database.
#include <functional>
#include <string_view>

#include "core/error.hpp"
#include "http/middleware.hpp"
#include "http/router.hpp"

namespace ov::http {

// Turns a bearer token into a principal; Errc::unauthenticated (401) otherwise.
using Authenticator = std::function<Result<Principal>(std::string_view token)>;

class Pipeline {
 public:
  Pipeline(const Router& router, Cors cors, const RateLimitMiddleware* rate_limits,
           Authenticator authenticator);
  Response handle(const Request& request) const;
  // The bearer-token check of the pipeline, for the WebSocket endpoint.
  Result<Principal> authenticate(std::string_view token) const { return authenticator_(token); }
  // For answers the server makes before a request is complete (413, 431, 400): the same
  // headers and access-log line as every other answer. `request` may lack its body.
  void finish_rejected(const Request& request, Response& response) const;

 private:
  void finish(const Request& request, const Context& ctx, const Route* route, Response& response,
              double seconds) const;
  Response dispatch(const Request& request, Context* ctx_out, const Route** route_out) const;
  const Router& router_;
  Cors cors_;
  const RateLimitMiddleware* rate_limits_;
  Authenticator authenticator_;
};

}  // namespace ov::http
