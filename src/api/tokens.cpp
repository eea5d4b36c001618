#include "api/tokens.hpp"

#include "auth/blacklist.hpp"
#include "auth/jwt.hpp"
#include "core/ids.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;

json::object issue_tokens(Services& s, const User& user, const std::string& family_id) {
  std::int64_t now = now_ms() / 1000;
  std::int64_t access_ttl = std::int64_t{s.config.access_token_expire_minutes} * 60;
  std::int64_t refresh_ttl = std::int64_t{s.config.refresh_token_expire_days} * 86400;

  auth::Claims access;
  access.sub = user.id;
  access.jti = new_uuid();
  access.type = auth::TokenType::access;
  access.iat = access.nbf = now;
  access.exp = now + access_ttl;
  access.role = to_string(user.role);

  auth::Claims refresh;
  refresh.sub = user.id;
  refresh.jti = new_uuid();
  refresh.type = auth::TokenType::refresh;
  refresh.iat = refresh.nbf = now;
  refresh.exp = now + refresh_ttl;
  refresh.family = family_id;

  RefreshToken record;
  record.jti = refresh.jti;
  record.user_id = user.id;
  record.family_id = family_id;
  record.issued_at_ms = now * 1000;
  record.expires_at_ms = refresh.exp * 1000;
  s.db.tokens().store_refresh(record);

  return json::object{{"access_token", s.jwt.sign(access)},
                      {"refresh_token", s.jwt.sign(refresh)},
                      {"token_type", "bearer"},
                      {"expires_in", access_ttl}};
}

json::object rotate_tokens(Services& s, const std::string& refresh_token) {
  auto claims = s.jwt.verify(refresh_token, auth::TokenType::refresh, now_ms() / 1000);
  if (!claims) throw ApiError(401, claims.error().message);
  auto record = s.db.tokens().find_refresh(claims->jti);
  if (!record || record->user_id != claims->sub) throw ApiError(401, "Invalid refresh token");
  if (record->revoked) throw ApiError(401, "Refresh token revoked");
  if (!s.db.tokens().mark_refresh_used(claims->jti)) {
    // Presented twice: someone holds a copy. Kill the whole family, the thief's and ours.
    s.db.tokens().revoke_family(record->family_id);
    throw ApiError(401, "Refresh token reuse detected; please log in again");
  }
  auto user = s.db.users().find_by_id(claims->sub);
  if (!user || !user->is_active) throw ApiError(401, "Invalid refresh token");
  return issue_tokens(s, *user, record->family_id);
}

void revoke_refresh_family(Services& s, const std::string& refresh_token,
                           const std::string& user_id) {
  auto claims = s.jwt.verify(refresh_token, auth::TokenType::refresh, now_ms() / 1000);
  if (!claims || claims->sub != user_id) throw ApiError(401, "Invalid refresh token");
  auto record = s.db.tokens().find_refresh(claims->jti);
  if (record) s.db.tokens().revoke_family(record->family_id);
}

Result<http::Principal> authenticate(Services& s, std::string_view access_token) {
  auto claims = s.jwt.verify(access_token, auth::TokenType::access, now_ms() / 1000);
  if (!claims) return claims.error();
  if (s.blacklist.contains(claims->jti)) {
    return Error{Errc::unauthenticated, "Token has been revoked"};
  }
  auto user = s.db.users().find_by_id(claims->sub);
  if (!user) return Error{Errc::unauthenticated, "Could not validate credentials"};
  if (!user->is_active) return Error{Errc::forbidden, "Inactive user"};
  return http::Principal{std::move(*user), claims->jti, claims->exp};
}

}  // namespace ov::api
