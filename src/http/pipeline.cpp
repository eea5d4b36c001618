#include "http/pipeline.hpp"

#include <fmt/format.h>

#include "obs/logging.hpp"

namespace ov::http {
namespace {

using Clock = std::chrono::steady_clock;

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

std::optional<std::string_view> bearer_token(const Request& request) {
  auto h = request.headers.get("Authorization");
  if (!h || h->size() < 7 || !iequals(h->substr(0, 7), "Bearer ")) return std::nullopt;
  std::string_view token = h->substr(7);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) return std::nullopt;
  return token;
}

Response unauthorized(std::string_view detail) {
  Response r = error_response(401, detail);
  r.headers.set("WWW-Authenticate", "Bearer");
  return r;
}

// Sets the request id that this thread's log lines carry, for the scope of one phase.
class RequestIdScope {
 public:
  explicit RequestIdScope(std::string_view id) { obs::set_request_id(id); }
  ~RequestIdScope() { obs::set_request_id(""); }
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;
};

}  // namespace

Pipeline::Pipeline(const Router& router, Cors cors, const RateLimitMiddleware* rate_limits,
                   Authenticator authenticator)
    : router_(router),
      cors_(std::move(cors)),
      rate_limits_(rate_limits),
      authenticator_(std::move(authenticator)) {}

// Everything before the handler. An empty response (status 0) means "admitted".
Response Pipeline::check(const Request& request, Admission& a) const {
  Match match = router_.match(request.method, request.path);
  if (cors_.is_preflight(request)) {
    if (!match.route && match.allowed.empty()) return error_response(404, "Not Found");
    auto methods =
        match.route ? std::vector<std::string>{match.route->method, "OPTIONS"} : match.allowed;
    return cors_.preflight(request, methods);
  }
  if (!match.route) {
    if (match.allowed.empty()) return error_response(404, "Not Found");
    Response r = request.method == "OPTIONS" ? Response::empty(204)
                                             : error_response(405, "Method Not Allowed");
    r.headers.set("Allow", join(match.allowed));
    return r;
  }
  const Route& route = *match.route;
  a.route = &route;
  if (rate_limits_) {
    if (auto limited = rate_limits_->check_ip(&route, request)) return std::move(*limited);
  }
  a.params = std::move(match.params);
  if (route.auth == AuthMode::none) return Response::empty(0);
  auto token = bearer_token(request);
  if (!token) {
    if (route.auth == AuthMode::optional) return Response::empty(0);
    return unauthorized("Not authenticated");
  }
  auto principal = authenticator_(*token);
  if (!principal) {
    if (route.auth == AuthMode::optional) return Response::empty(0);  // served as anonymous
    int status = http_status(principal.error().code);
    return status == 401 ? unauthorized(principal.error().message)
                         : error_response(status, principal.error().message);
  }
  a.principal = std::move(principal.value());
  if (rate_limits_) {
    if (auto limited = rate_limits_->check_user(&route, *a.principal)) return std::move(*limited);
  }
  return Response::empty(0);
}

Admission Pipeline::admit(const Request& head) const {
  Admission a;
  a.start = Clock::now();
  a.request_id = resolve_request_id(head);
  RequestIdScope scope(a.request_id);
  Response decided = guarded([&] { return check(head, a); });
  if (decided.status != 0) {
    double seconds = std::chrono::duration<double>(Clock::now() - a.start).count();
    finish(head, a.request_id, a.principal ? &*a.principal : nullptr, a.route, decided, seconds);
    a.rejection = std::move(decided);
  }
  return a;
}

Response Pipeline::run(const Request& request, Admission a) const {
  RequestIdScope scope(a.request_id);
  Context ctx{request, std::move(a.params), a.request_id, std::move(a.principal)};
  Response response = guarded([&] { return a.route->handler(ctx); });
  double seconds = std::chrono::duration<double>(Clock::now() - a.start).count();
  finish(request, ctx.request_id, ctx.principal ? &*ctx.principal : nullptr, a.route, response,
         seconds);
  return response;
}

Response Pipeline::handle(const Request& request) const {
  Admission a = admit(request);
  if (a.rejection) return std::move(*a.rejection);
  return run(request, std::move(a));
}

void Pipeline::finish_rejected(const Request& request, Response& response) const {
  std::string id = resolve_request_id(request);
  RequestIdScope scope(id);
  finish(request, id, nullptr, nullptr, response, 0.0);
}

void Pipeline::finish(const Request& request, const std::string& request_id,
                      const Principal* principal, const Route* route, Response& response,
                      double seconds) const {
  cors_.decorate(request, response);
  add_security_headers(request, response);
  maybe_gzip(request, response);
  response.headers.set("X-Request-ID", request_id);
  response.headers.set("X-Process-Time", fmt::format("{:.6f}", seconds));
  obs::log_access({request.method, route ? std::string_view(route->path) : std::string_view("-"),
                   request.path, response.status, seconds * 1000.0,
                   principal ? std::string_view(principal->user.id) : std::string_view(),
                   request.client_ip});
}

}  // namespace ov::http
