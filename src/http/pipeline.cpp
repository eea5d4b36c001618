#include "http/pipeline.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "obs/logging.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"

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

// Thrown by a fast check that would have to block: the blocking form takes over.
struct Blocked {};

// Sets the request id that this thread's log lines carry, for the scope of one phase.
class RequestIdScope {
 public:
  explicit RequestIdScope(std::string_view id) { obs::set_request_id(id); }
  ~RequestIdScope() { obs::set_request_id(""); }
  RequestIdScope(const RequestIdScope&) = delete;
  RequestIdScope& operator=(const RequestIdScope&) = delete;
};

// The request id and the request's span, for the scope of one phase: log lines carry both, and
// the spans started under it (database calls, a job's submission) are its children.
class RequestScope {
 public:
  explicit RequestScope(const Admission& a)
      : id_(a.request_id),
        span_(a.span ? a.span->context() : obs::SpanContext{}, a.span && a.span->recording()) {}

 private:
  RequestIdScope id_;
  obs::SpanScope span_;
};

// The server span of a request: a child of the caller's traceparent when it sent a valid one.
std::shared_ptr<obs::Span> request_span(const Request& head) {
  std::optional<obs::SpanContext> caller;
  if (auto header = head.headers.get("traceparent")) {
    caller = obs::parse_traceparent(*header, head.headers.get("tracestate").value_or(""));
  }
  obs::Span span =
      obs::Span::start(head.method, obs::SpanKind::server, caller ? &*caller : nullptr);
  if (!span.context().valid()) return nullptr;
  return std::make_shared<obs::Span>(std::move(span));
}

// Names the span after the route template and ends it with what the answer was.
void end_request_span(obs::Span& span, const Request& request, const Route* route,
                      const Principal* principal, const std::string& request_id, int status) {
  if (!span.recording()) return;
  span.rename(route ? request.method + " " + route->path : request.method);
  span.set("http.request.method", request.method);
  span.set("url.path", request.path);
  if (route) span.set("http.route", route->path);
  span.set("http.response.status_code", status);
  span.set("client.address", request.client_ip);
  span.set("objectvision.request_id", request_id);
  if (principal) span.set("enduser.id", principal->user.id);
  if (status >= 500) span.fail("HTTP " + std::to_string(status));
  span.end();
}
// objectvision_http_requests_total and _duration_seconds, by route template (never the raw
// path: the number of series stays bounded), method and status. Each thread remembers the
// children it used, by the addresses of the route's template and the method's label (both
// stable), so that a request costs a hash lookup and three atomic additions.
void count_request(std::string_view route, std::string_view method, int status, double seconds) {
  static auto& requests =
      obs::metrics().counter("objectvision_http_requests_total",
                             "HTTP requests answered, by route template, method "
                             "and status.",
                             {"route", "method", "status"});
  static auto& durations = obs::metrics().histogram("objectvision_http_request_duration_seconds",
                                                    "Time from the request's arrival to its "
                                                    "answer, by route template and method.",
                                                    {"route", "method"}, obs::latency_buckets());
  struct Key {
    const char* route;
    const char* method;
    int status;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      return std::hash<const void*>{}(k.route) * 31 + std::hash<const void*>{}(k.method) * 7 +
             static_cast<std::size_t>(k.status);
    }
  };
  struct Children {
    obs::Counter* count;
    obs::Histogram* duration;
  };
  thread_local std::unordered_map<Key, Children, KeyHash> known;
  method = obs::method_label(method);
  const Key key{route.data(), method.data(), status};
  auto it = known.find(key);
  if (it == known.end()) {
    const std::string status_text = std::to_string(status);
    it = known
             .emplace(key, Children{&requests.with({route, method, status_text}),
                                    &durations.with({route, method})})
             .first;
  }
  it->second.count->add();
  it->second.duration->observe(seconds);
}

}  // namespace

Pipeline::Pipeline(const Router& router, Cors cors, const RateLimitMiddleware* rate_limits,
                   Authenticator authenticator)
    : router_(router),
      cors_(std::move(cors)),
      rate_limits_(rate_limits),
      authenticator_(std::move(authenticator)) {}

// Everything before the handler: nullopt when admitted, else the answer. With `fast` it never
// blocks and has no side effect before it knows it can finish: a credential it cannot check
// from memory, or rate limits in Redis, make it throw Blocked first.
std::optional<Response> Pipeline::check(const Request& request, Admission& a, bool fast) const {
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
  const bool limited = rate_limits_ && route.rate_group != "none";
  // Tokens taken on the fast path are given back if it gives up further on (an exception).
  std::optional<RateLimitMiddleware::FastTakes> fast_takes;
  if (fast && limited) fast_takes.emplace(*rate_limits_);
  RateLimitMiddleware::FastTakes* takes = fast_takes ? &*fast_takes : nullptr;
  // The credentials first when fast (no side effect until every step is known to be fast).
  std::optional<Result<Principal>> principal;
  std::optional<std::string_view> token;
  if (route.auth != AuthMode::none) {
    token = bearer_token(request);
    if (token) {
      if (fast) {
        if (!authenticator_.fast) throw Blocked{};
        principal = authenticator_.fast(*token);
        if (!principal) throw Blocked{};
      }
    }
  }
  a.route = &route;
  if (limited) {
    if (auto refused = rate_limits_->check_ip(&route, request, takes)) return std::move(*refused);
  }
  a.params = std::move(match.params);
  if (route.auth == AuthMode::none) return std::nullopt;
  if (!token) {
    if (route.auth == AuthMode::optional) return std::nullopt;
    return unauthorized("Not authenticated");
  }
  if (!principal) principal = authenticator_.check(*token);
  if (!*principal) {
    if (route.auth == AuthMode::optional) return std::nullopt;  // served as anonymous
    const Error& e = principal->error();
    int status = http_status(e.code);
    return status == 401 ? unauthorized(e.message) : error_response(status, e.message);
  }
  a.principal = std::move(principal->value());
  if (limited) {
    if (auto refused = rate_limits_->check_user(&route, *a.principal, takes)) {
      return std::move(*refused);
    }
  }
  return std::nullopt;
}

std::optional<Admission> Pipeline::decide(const Request& head, bool fast) const {
  Admission a;
  a.start = Clock::now();
  a.request_id = resolve_request_id(head);
  a.span = request_span(head);
  RequestScope scope(a);
  // A fast attempt that gives up leaves no span: the blocking attempt makes its own.
  auto give_up = [&a] {
    if (a.span) a.span->abandon();
  };
  std::optional<Response> decided;
  try {
    decided = check(head, a, fast);
  } catch (const Blocked&) {
    give_up();
    return std::nullopt;
  } catch (const RateLimitMiddleware::WouldBlock&) {
    give_up();
    return std::nullopt;
  } catch (...) {
    decided = current_exception_response();
  }
  if (decided) {
    double seconds = std::chrono::duration<double>(Clock::now() - a.start).count();
    finish(head, a.request_id, a.principal ? &*a.principal : nullptr, a.route, a.span.get(),
           *decided, seconds);
    a.rejection = std::move(decided);
  }
  return a;
}

Admission Pipeline::admit(const Request& head) const {
  return *decide(head, false);
}

std::optional<Admission> Pipeline::admit_fast(const Request& head) const {
  return decide(head, true);
}

Response Pipeline::call(const Request& request, Admission& a, const Handler& handler) const {
  RequestScope scope(a);
  Context ctx{request, a.params, a.request_id, a.principal};
  Response response = guarded([&] { return handler(ctx); });
  if (!response.later) finish_late(request, a, response);
  return response;
}

Response Pipeline::run(const Request& request, Admission& a) const {
  return call(request, a, a.route->handler);
}

std::optional<Response> Pipeline::run_fast(const Request& request, Admission& a) const {
  if (!a.route->fast) return std::nullopt;
  RequestScope scope(a);
  Context ctx{request, a.params, a.request_id, a.principal};
  std::optional<Response> response;
  try {
    response = a.route->fast(ctx);
  } catch (...) {
    response = current_exception_response();
  }
  if (response && !response->later) finish_late(request, a, *response);
  return response;
}

void Pipeline::finish_late(const Request& request, const Admission& a, Response& response) const {
  RequestScope scope(a);
  double seconds = std::chrono::duration<double>(Clock::now() - a.start).count();
  finish(request, a.request_id, a.principal ? &*a.principal : nullptr, a.route, a.span.get(),
         response, seconds);
}

Response Pipeline::handle(const Request& request) const {
  Admission a = admit(request);
  if (a.rejection) return std::move(*a.rejection);
  return run(request, a);
}

void Pipeline::finish_rejected(const Request& request, Response& response) const {
  Admission a;
  a.request_id = resolve_request_id(request);
  a.span = request_span(request);
  RequestScope scope(a);
  finish(request, a.request_id, nullptr, nullptr, a.span.get(), response, 0.0);
}

void Pipeline::finish(const Request& request, const std::string& request_id,
                      const Principal* principal, const Route* route, obs::Span* span,
                      Response& response, double seconds) const {
  cors_.decorate(request, response);
  add_security_headers(request, response);
  maybe_gzip(request, response);
  response.headers.set("X-Request-ID", request_id);
  response.headers.set("X-Process-Time", fmt::format("{:.6f}", seconds));
  const std::string_view route_label = route ? std::string_view(route->path) : "-";
  count_request(route_label, request.method, response.status, seconds);
  obs::log_access({request.method, route ? std::string_view(route->path) : std::string_view("-"),
                   request.path, response.status, seconds * 1000.0,
                   principal ? std::string_view(principal->user.id) : std::string_view(),
                   request.client_ip});
  if (span) end_request_span(*span, request, route, principal, request_id, response.status);
}

}  // namespace ov::http
