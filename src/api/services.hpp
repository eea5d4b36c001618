#pragma once
// What the API handlers are built from: the composition root (src/app) makes these and
// passes them in. Nothing here owns anything.
#include "config/config.hpp"

namespace ov::storage {
class Database;
}
namespace ov::cache {
class Redis;
class RateLimiter;
}  // namespace ov::cache
namespace ov::auth {
class PasswordHasher;
class JwtCodec;
class AccessBlacklist;
}  // namespace ov::auth
namespace ov::http {
class Router;
}
namespace ov::events {
class Bus;
}
namespace ov::mail {
class Mailer;
}

namespace ov::api {

class Caches;

struct Services {
  const config::Config& config;
  storage::Database& db;
  const auth::PasswordHasher& hasher;
  const auth::JwtCodec& jwt;
  auth::AccessBlacklist& blacklist;
  events::Bus& bus;                // job events, and the end of sessions (WebSockets close)
  cache::RateLimiter& limiter;     // the same buckets as the rate-limit middleware
  Caches& caches;                  // tokens, users, jobs, history pages
  cache::Redis* redis = nullptr;   // null in the embedded shape
  mail::Mailer* mailer = nullptr;  // welcome, password changed, API key created (null: none)
};

// Adds every route of the API to the router (health, auth, users, docs).
void register_routes(http::Router& router, Services& services);

}  // namespace ov::api
