// POST / DELETE /api/v1/users/{user_id}/api-key
#include <boost/json.hpp>

#include "api/detection_routes.hpp"
#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "api/tokens.hpp"
#include "auth/digest.hpp"
#include "core/ids.hpp"
#include "mail/mailer.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;

namespace {

std::string own_or_admin(Services& s, const Context& ctx) {
  const std::string& id = ctx.params.at("user_id");
  if (!is_uuid(id))
    throw_validation("path", "user_id", "Input should be a valid UUID", "uuid_parsing");
  const User& me = ctx.principal->user;
  if (id == me.id) return id;
  if (me.role == Role::admin && s.db.users().find_by_id(id)) return id;
  throw ApiError(404, "User not found");
}

Response rotate(Services& s, Context& ctx) {
  std::string id = own_or_admin(s, ctx);
  std::string key = "ov_" + random_token(32);
  storage::SettingsPatch patch;
  patch.api_key_hash = std::optional<std::string>(auth::sha256_hex(key));
  auto saved = s.db.users().update_settings(id, patch);
  if (!saved) throw_api_error(saved.error());
  user_changed(s, id);
  if (s.mailer) {
    if (auto owner = s.db.users().find_by_id(id)) s.mailer->api_key_created(*owner, now_ms());
  }
  return json_response(201, json::object{{"api_key", key}});
}

Response revoke(Services& s, Context& ctx) {
  std::string id = own_or_admin(s, ctx);
  storage::SettingsPatch patch;
  patch.api_key_hash = std::optional<std::string>();
  auto saved = s.db.users().update_settings(id, patch);
  if (!saved) throw_api_error(saved.error());
  user_changed(s, id);
  return Response::empty(204);
}

}  // namespace

void register_api_key_routes(http::Router& router, Services& s) {
  using http::AuthMode;
  router.add({"POST", "/api/v1/users/{user_id}/api-key", AuthMode::bearer, "",
              docs::rotate_api_key(), [&s](Context& c) { return rotate(s, c); }});
  router.add({"DELETE", "/api/v1/users/{user_id}/api-key", AuthMode::bearer, "",
              docs::revoke_api_key(), [&s](Context& c) { return revoke(s, c); }});
}

}  // namespace ov::api
