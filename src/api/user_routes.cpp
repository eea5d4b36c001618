// GET /api/v1/users/get-profile, GET and PATCH /api/v1/users/{user_id}
#include <boost/json.hpp>

#include "api/caches.hpp"
#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "api/routes.hpp"
#include "api/tokens.hpp"
#include "api/user_json.hpp"
#include "auth/password.hpp"
#include "core/ids.hpp"
#include "core/text.hpp"
#include "mail/mailer.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

// The user a path names, when the caller may see it: their own, or any for an admin.
// Someone else's id answers 404, exactly like an id that does not exist.
User visible_user(Services& s, const Context& ctx) {
  const std::string& id = ctx.params.at("user_id");
  if (!is_uuid(id)) {
    throw_validation("path", "user_id", "Input should be a valid UUID", "uuid_parsing");
  }
  const User& me = ctx.principal->user;
  if (id == me.id) return me;
  if (me.role == Role::admin) {
    if (auto other = s.db.users().find_by_id(id)) return *other;
  }
  throw ApiError(404, "User not found");
}

// The caller's settings from the cache, loading (and caching) them when `load`.
std::optional<UserSettings> settings_of(Services& s, const User& user, bool load) {
  if (auto cached = s.caches.user(user.id); cached && cached->settings) return cached->settings;
  if (!load) return std::nullopt;
  const auto stamp = s.caches.stamp(user.id);
  auto shared = s.caches.shared_user(user.id);
  if (shared.value && shared.value->settings) {
    s.caches.remember_user(shared.value->user, shared.value->settings, stamp);
    return shared.value->settings;
  }
  // The user is re-read with the settings: the principal may be older than the stamp.
  auto fresh = s.db.users().find_by_id(user.id);
  auto settings = s.db.users().settings(user.id);
  if (fresh && settings) {
    s.caches.remember_user(*fresh, settings, stamp);
    s.caches.share_user(CachedUser{*fresh, settings}, shared.generation);
  }
  return settings;
}

Response get_profile(Services& s, Context& ctx) {
  const User& me = ctx.principal->user;
  return json_response(200, user_json(me, settings_of(s, me, true)));
}

// From memory: the principal came from the caches, its settings are there too, or nullopt.
std::optional<Response> get_profile_fast(Services& s, Context& ctx) {
  const User& me = ctx.principal->user;
  auto settings = settings_of(s, me, false);
  if (!settings) return std::nullopt;
  return json_response(200, user_json(me, settings));
}

Response get_user(Services& s, Context& ctx) {
  User user = visible_user(s, ctx);
  if (user.id == ctx.principal->user.id) return get_profile(s, ctx);
  return json_response(200, user_json(user, s.db.users().settings(user.id)));
}

std::optional<Response> get_user_fast(Services& s, Context& ctx) {
  if (ctx.params.at("user_id") != ctx.principal->user.id) return std::nullopt;
  return get_profile_fast(s, ctx);
}

Response patch_user(Services& s, Context& ctx) {
  User target = visible_user(s, ctx);
  const User& me = ctx.principal->user;
  bool admin = me.role == Role::admin;
  json::object body = parse_json_object(ctx.request);
  Validator v(body);
  auto name = v.string("name", false, 1, 100);
  if (name) {
    *name = trim(*name);
    if (name->empty()) v.error("name", "Name must not be blank", "value_error");
  }
  auto current = v.string("current_password", false, 1, 1024);
  auto next = v.string("new_password", false, 8, 128);
  auto role = v.string("role", false, 1, 16);
  auto active = v.boolean("is_active");
  auto keep_api_key = v.boolean("keep_api_key");
  storage::SettingsPatch settings;
  bool settings_given = false;
  if (const auto* obj = v.object("settings")) {
    Validator sv(*obj, v, "settings");
    settings.theme = sv.string("theme", false, 1, 16);
    if (settings.theme && *settings.theme != "light" && *settings.theme != "dark" &&
        *settings.theme != "system") {
      sv.error("theme", "Input should be 'light', 'dark' or 'system'", "enum");
    }
    settings.notifications = sv.boolean("notifications");
    settings.daily_report = sv.boolean("daily_report");
    settings_given = settings.theme || settings.notifications || settings.daily_report;
  }
  std::optional<Role> new_role;
  if (role) {
    new_role = role_from_string(*role);
    if (!new_role) v.error("role", "Input should be 'user' or 'admin'", "enum");
  }
  if (next && !current && !(admin && target.id != me.id)) {
    v.error("current_password", "Field required to change the password", "missing");
  }
  if (!name && !next && !role && !active && !settings_given) {
    v.error("", "At least one field to change is required", "value_error");
  }
  v.throw_if_failed();

  if ((new_role || active) && !admin)
    throw ApiError(403, "Only an admin may change role or is_active");
  if (next && current) {
    // Against the stored hash: a cached account carries none (see Caches).
    auto stored = s.db.users().find_by_id(target.id);
    if (!stored) throw ApiError(404, "User not found");
    if (!s.hasher.verify(stored->password_hash, *current)) {
      throw ApiError(403, "Current password is incorrect");
    }
  }

  storage::UserPatch patch;
  patch.name = name;
  patch.role = new_role;
  patch.is_active = active;
  if (next) patch.password_hash = s.hasher.hash(*next);
  // A new password or a deactivation ends every session of the user: access tokens (this
  // one too), refresh tokens, the API key unless keep_api_key, and open WebSockets.
  const bool end_sessions = next.has_value() || (active && !*active && target.is_active);
  if (patch.name || patch.role || patch.is_active || patch.password_hash) {
    auto updated = end_sessions ? s.db.users().update_ending_sessions(target.id, patch,
                                                                      keep_api_key.value_or(false))
                                : s.db.users().update(target.id, patch);
    if (!updated) throw_api_error(updated.error());
    target = std::move(*updated);
    if (end_sessions) sessions_ended(s, target);
    if (next && s.mailer) s.mailer->password_changed(target, now_ms());
  }
  if (settings_given) {
    auto saved = s.db.users().update_settings(target.id, settings);
    if (!saved) throw_api_error(saved.error());
  }
  if (!end_sessions) user_changed(s, target.id);  // sessions_ended() told every node already
  return json_response(200, user_json(target, s.db.users().settings(target.id)));
}

}  // namespace

void register_user_routes(http::Router& router, Services& s) {
  using http::AuthMode;
  router.add({"GET", "/api/v1/users/get-profile", AuthMode::bearer, "", docs::get_profile(),
              [&s](Context& c) { return get_profile(s, c); },
              [&s](Context& c) { return get_profile_fast(s, c); }});
  router.add({"GET", "/api/v1/users/{user_id}", AuthMode::bearer, "", docs::get_user(),
              [&s](Context& c) { return get_user(s, c); },
              [&s](Context& c) { return get_user_fast(s, c); }});
  router.add({"PATCH", "/api/v1/users/{user_id}", AuthMode::bearer, "", docs::patch_user(),
              [&s](Context& c) { return patch_user(s, c); }});
}

}  // namespace ov::api
