#pragma once
// Route registration, one function per resource file.
#include <string>
#include <string_view>

#include "api/services.hpp"
#include "http/router.hpp"

namespace ov::api {

// A route whose handler never blocks (no database, no Redis, no file): it runs on the I/O
// thread, always (its fast form is itself).
inline http::Route never_blocks(http::Route route) {
  route.fast = [h = route.handler](http::Context& c) -> std::optional<http::Response> {
    return h(c);
  };
  return route;
}

// 403 "Only an admin may <what>" unless the caller is an admin.
void require_admin(const http::Context& ctx, std::string_view what);

void register_health_routes(http::Router& router, Services& s);
void register_auth_routes(http::Router& router, Services& s);
void register_user_routes(http::Router& router, Services& s);
// /openapi.json from the route table (call last: it documents what is registered before it).
void register_docs_routes(http::Router& router, Services& s);
void register_admin_routes(http::Router& router, Services& s);
// The web app at / (its pages and files) and GET /api/v1/client-config.
void register_web_routes(http::Router& router, Services& s);

// The OpenAPI 3.1 document of every route of `router` (what /openapi.json serves; also written by
// `objectvision openapi`).
std::string openapi_document(const http::Router& router, const config::Config& config);

}  // namespace ov::api
