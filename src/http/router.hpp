#pragma once
// The route table: the single source of truth for paths, methods, authentication, rate-limit
// groups and API documentation (/openapi.json is generated from it; metrics and logs label
// requests by its path templates).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/user.hpp"
#include "http/message.hpp"

namespace ov::http {

// none: anonymous; bearer: a valid token is required (401); optional: the principal is set
// when a valid token comes, and the request is served anonymously otherwise.
enum class AuthMode { none, bearer, optional };

// An authenticated caller, made by the authenticator from a bearer token.
struct Principal {
  User user;
  std::string token_jti;
  std::int64_t token_exp_s = 0;
  std::int64_t session_epoch = 0;  // of the token (equal to the user's when it was checked)
};

struct Context {
  const Request& request;
  std::map<std::string, std::string> params;  // decoded path parameters
  std::string request_id;
  std::optional<Principal> principal;  // set on AuthMode::bearer routes (maybe on optional)
};

// A handler may block (the database, Redis, Argon2): it runs on the bounded blocking pool.
using Handler = std::function<Response(Context&)>;
// A fast handler runs on the I/O thread and must not block: it answers from memory (caches)
// or returns nullopt, and the route's handler runs on the blocking pool instead.
using FastHandler = std::function<std::optional<Response>(Context&)>;

// OpenAPI fragments (JSON text) for a route; empty means "none".
struct RouteDoc {
  std::string summary;
  std::string tag;
  std::string request_body;  // an OpenAPI requestBody object
  std::string responses;     // an OpenAPI responses object
  std::string query;         // OpenAPI parameter objects of the query, as a JSON array
  std::string security;      // an OpenAPI security requirement array; empty: from the AuthMode
  bool hidden = false;       // left out of the document (answers for other servers' clients)
};

struct Route {
  std::string method;  // GET, POST, PATCH, PUT, DELETE
  std::string path;    // template: /api/v1/users/{user_id}
  AuthMode auth = AuthMode::none;
  // "" (default limits), "auth" (signup/login/refresh), "camera" (DeepStack routes), "none"
  std::string rate_group;
  RouteDoc doc;
  Handler handler;
  FastHandler fast;  // optional: tried first, on the I/O thread
};

struct Match {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed;  // methods of the path when the method did not match
};

class Router {
 public:
  void add(Route route);
  // The route for a method and a raw path. HEAD matches GET routes. A path that matches with
  // another method gives allowed (-> 405); none gives an empty match (-> 404).
  Match match(std::string_view method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<std::vector<std::string>> templates_;  // each route's path, split at slashes
};

}  // namespace ov::http
