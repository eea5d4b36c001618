// POST /api/v1/auth/signup|login|refresh|logout
#include <cmath>

#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "api/routes.hpp"
#include "api/tokens.hpp"
#include "api/user_json.hpp"
#include "auth/blacklist.hpp"
#include "auth/password.hpp"
#include "cache/rate_limiter.hpp"
#include "core/email.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "mail/mailer.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

Response signup(Services& s, Context& ctx) {
  json::object body = parse_json_object(ctx.request);
  Validator v(body);
  auto email = v.string("email", true, 1, 254);
  auto password = v.string("password", true, 8, 128);
  auto name = v.string("name", false, 0, 100);
  std::optional<std::string> normalized;
  if (email) {
    normalized = normalize_email(*email);
    if (!normalized) v.error("email", "value is not a valid email address", "value_error");
  }
  std::string display = name ? trim(*name) : std::string();
  if (name && display.empty()) v.error("name", "Name must not be blank", "value_error");
  v.throw_if_failed();
  if (!name) display = normalized->substr(0, normalized->find('@'));

  storage::NewUser user{*normalized, s.hasher.hash(*password), display, Role::user};
  auto created = s.db.users().create(user);
  if (!created) {
    if (created.error().code == Errc::conflict) {
      throw ApiError(409, "A user with this email already exists");
    }
    throw_api_error(created.error());
  }
  if (s.mailer) s.mailer->welcome(*created);  // stored, sent in the background
  return json_response(201, user_json(*created, s.db.users().settings(created->id)));
}

// JSON {email, password} or the OAuth2 password form {username, password}.
std::pair<std::string, std::string> login_credentials(const Context& ctx) {
  if (ctx.request.content_type() == "application/x-www-form-urlencoded") {
    auto form = http::parse_form(ctx.request.body);
    if (!form) throw_validation("body", "", "Invalid form encoding", "value_error");
    std::optional<std::string> username, password;
    for (auto& [k, val] : *form) {
      if (k == "username") username = val;
      if (k == "password") password = val;
    }
    if (!username) throw_validation("body", "username", "Field required", "missing");
    if (!password) throw_validation("body", "password", "Field required", "missing");
    return {*username, *password};
  }
  json::object body = parse_json_object(ctx.request);
  Validator v(body);
  auto email = v.string("email", true, 1, 320);
  auto password = v.string("password", true, 1, 1024);
  v.throw_if_failed();
  return {*email, *password};
}

// A per-account throttle on top of the per-IP one: guessing one account's password from many
// addresses is slowed as much as from one. Unknown accounts are throttled alike (no oracle).
void throttle_account(Services& s, const std::string& email) {
  const auto& limit = s.config.rate_login_account;
  if (limit.per_minute <= 0) return;
  auto d = s.limiter.take("login:" + email, cache::RateLimit{limit.per_minute / 60.0, limit.burst});
  if (d.allowed) return;
  auto retry = std::max<long>(1, std::lround(std::ceil(d.retry_after_s)));
  throw ApiError::with_headers(429, "Too many login attempts for this account; try again later",
                               {{"Retry-After", std::to_string(retry)}});
}

Response login(Services& s, Context& ctx) {
  auto [email, password] = login_credentials(ctx);
  auto normalized = normalize_email(email);
  throttle_account(s, normalized.value_or(email));
  auto user = normalized ? s.db.users().find_by_email(*normalized) : std::nullopt;
  if (!user) {
    s.hasher.verify_dummy(password);  // the same time as a wrong password
    throw ApiError(401, "Incorrect email or password");
  }
  if (!s.hasher.verify(user->password_hash, password)) {
    throw ApiError(401, "Incorrect email or password");
  }
  if (!user->is_active) throw ApiError(403, "Inactive user");
  if (s.hasher.needs_rehash(user->password_hash)) {
    storage::UserPatch patch;
    patch.password_hash = s.hasher.hash(password);
    (void)s.db.users().update(user->id, patch);
  }
  return json_response(200, issue_tokens(s, *user, new_uuid()));
}

Response refresh(Services& s, Context& ctx) {
  json::object body = parse_json_object(ctx.request);
  Validator v(body);
  auto token = v.string("refresh_token", true, 1, 4096);
  v.throw_if_failed();
  return json_response(200, rotate_tokens(s, *token));
}

Response logout(Services& s, Context& ctx) {
  json::object body = parse_json_object(ctx.request, /*allow_empty=*/true);
  Validator v(body);
  auto token = v.string("refresh_token", false, 1, 4096);
  v.throw_if_failed();
  const auto& p = *ctx.principal;
  // The access token ends first, whatever the body holds.
  revoke_access_token(s, p);
  if (token && !revoke_refresh_family(s, *token, p.user.id)) {
    throw ApiError(401,
                   "Invalid refresh token; the access token was revoked, the refresh "
                   "token was not");
  }
  return Response::empty(204);
}

}  // namespace

void register_auth_routes(http::Router& router, Services& s) {
  using http::AuthMode;
  router.add({"POST", "/api/v1/auth/signup", AuthMode::none, "auth", docs::signup(),
              [&s](Context& c) { return signup(s, c); }});
  router.add({"POST", "/api/v1/auth/login", AuthMode::none, "auth", docs::login(),
              [&s](Context& c) { return login(s, c); }});
  router.add({"POST", "/api/v1/auth/refresh", AuthMode::none, "auth", docs::refresh(),
              [&s](Context& c) { return refresh(s, c); }});
  router.add({"POST", "/api/v1/auth/logout", AuthMode::bearer, "", docs::logout(),
              [&s](Context& c) { return logout(s, c); }});
}

}  // namespace ov::api
