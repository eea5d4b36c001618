#include "api/routes.hpp"

namespace ov::api {

void register_routes(http::Router& router, Services& s) {
  register_health_routes(router, s);
  register_auth_routes(router, s);
  register_user_routes(router, s);
  register_docs_routes(router, s);  // last: it documents the routes above
}

}  // namespace ov::api
