#include <algorithm>

#include "http/middleware.hpp"

namespace ov::http {

Cors::Cors(std::vector<std::string> origins) : origins_(std::move(origins)) {
  any_ = std::find(origins_.begin(), origins_.end(), "*") != origins_.end();
}

bool Cors::allowed(std::string_view origin) const {
  if (any_) return true;
  return std::find(origins_.begin(), origins_.end(), origin) != origins_.end();
}

bool Cors::is_preflight(const Request& request) const {
  return request.method == "OPTIONS" && request.headers.has("Origin") &&
         request.headers.has("Access-Control-Request-Method");
}

Response Cors::preflight(const Request& request, const std::vector<std::string>& methods) const {
  std::string_view origin = *request.headers.get("Origin");
  if (!allowed(origin)) return error_response(400, "Disallowed CORS origin");
  Response r = Response::empty(204);
  r.headers.set("Access-Control-Allow-Origin", any_ ? "*" : std::string(origin));
  if (!any_) r.headers.set("Access-Control-Allow-Credentials", "true");
  std::string list;
  for (const auto& m : methods) list += (list.empty() ? "" : ", ") + m;
  r.headers.set("Access-Control-Allow-Methods", list);
  auto requested = request.headers.get("Access-Control-Request-Headers");
  r.headers.set("Access-Control-Allow-Headers",
                requested ? std::string(*requested)
                          : std::string("Authorization, Content-Type, X-Request-ID"));
  r.headers.set("Access-Control-Max-Age", "600");
  r.headers.set("Vary", "Origin");
  return r;
}

void Cors::decorate(const Request& request, Response& response) const {
  auto origin = request.headers.get("Origin");
  if (!origin || !allowed(*origin)) return;
  if (response.headers.has("Access-Control-Allow-Origin")) return;
  response.headers.set("Access-Control-Allow-Origin", any_ ? "*" : std::string(*origin));
  if (!any_) response.headers.set("Access-Control-Allow-Credentials", "true");
  response.headers.set("Access-Control-Expose-Headers",
                       "X-Request-ID, X-Process-Time, Retry-After");
  response.headers.add("Vary", "Origin");
}

}  // namespace ov::http
