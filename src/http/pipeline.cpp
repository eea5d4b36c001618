#include "http/pipeline.hpp"

#include <chrono>

#include <fmt/format.h>

#include "obs/logging.hpp"

namespace ov::http {
namespace {

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

}  // namespace

Pipeline::Pipeline(const Router& router, Cors cors, const RateLimitMiddleware* rate_limits,
                   Authenticator authenticator)
    : router_(router),
      cors_(std::move(cors)),
      rate_limits_(rate_limits),
      authenticator_(std::move(authenticator)) {}

Response Pipeline::dispatch(const Request& request, Context* ctx, const Route** route_out) const {
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
  *route_out = &route;
  if (rate_limits_) {
    if (auto limited = rate_limits_->check_ip(&route, request)) return std::move(*limited);
  }
  ctx->params = std::move(match.params);
  if (route.auth == AuthMode::bearer) {
    auto token = bearer_token(request);
    if (!token) return unauthorized("Not authenticated");
    auto principal = authenticator_(*token);
    if (!principal) {
      int status = http_status(principal.error().code);
      return status == 401 ? unauthorized(principal.error().message)
                           : error_response(status, principal.error().message);
    }
    ctx->principal = std::move(principal.value());
    if (rate_limits_) {
      if (auto limited = rate_limits_->check_user(&route, *ctx->principal)) {
        return std::move(*limited);
      }
    }
  }
  return route.handler(*ctx);
}

Response Pipeline::handle(const Request& request) const {
  auto start = std::chrono::steady_clock::now();
  Context ctx{request, {}, resolve_request_id(request), std::nullopt};
  obs::set_request_id(ctx.request_id);
  const Route* route = nullptr;
  Response response = guarded([&] { return dispatch(request, &ctx, &route); });
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  finish(request, ctx, route, response, seconds);
  obs::set_request_id("");
  return response;
}

void Pipeline::finish_rejected(const Request& request, Response& response) const {
  Context ctx{request, {}, resolve_request_id(request), std::nullopt};
  obs::set_request_id(ctx.request_id);
  finish(request, ctx, nullptr, response, 0.0);
  obs::set_request_id("");
}

void Pipeline::finish(const Request& request, const Context& ctx, const Route* route,
                      Response& response, double seconds) const {
  cors_.decorate(request, response);
  add_security_headers(request, response);
  maybe_gzip(request, response);
  response.headers.set("X-Request-ID", ctx.request_id);
  response.headers.set("X-Process-Time", fmt::format("{:.6f}", seconds));
  obs::log_access({request.method, route ? std::string_view(route->path) : std::string_view("-"),
                   request.path, response.status, seconds * 1000.0,
                   ctx.principal ? std::string_view(ctx.principal->user.id) : std::string_view(),
                   request.client_ip});
}

}  // namespace ov::http
