#pragma once
// Route registration, one function per resource file.
#include "api/services.hpp"
#include "http/router.hpp"

namespace ov::api {

void register_health_routes(http::Router& router, Services& s);
void register_auth_routes(http::Router& router, Services& s);
void register_user_routes(http::Router& router, Services& s);
// /openapi.json from the route table (call last: it documents what is registered before it).
void register_docs_routes(http::Router& router, Services& s);

}  // namespace ov::api
