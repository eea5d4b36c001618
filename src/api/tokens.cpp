#include "api/tokens.hpp"

#include "api/caches.hpp"
#include "auth/blacklist.hpp"
#include "auth/jwt.hpp"
#include "core/ids.hpp"
#include "events/bus.hpp"
#include "storage/database.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

struct Pair {
  auth::Claims access, refresh;
  RefreshToken record;
};

Pair make_pair(const Services& s, const User& user, const std::string& family_id) {
  std::int64_t now = now_ms() / 1000;
  Pair p;
  p.access.sub = user.id;
  p.access.jti = new_uuid();
  p.access.type = auth::TokenType::access;
  p.access.iat = p.access.nbf = now;
  p.access.exp = now + std::int64_t{s.config.access_token_expire_minutes} * 60;
  p.access.role = to_string(user.role);
  p.access.session_epoch = user.session_epoch;

  p.refresh.sub = user.id;
  p.refresh.jti = new_uuid();
  p.refresh.type = auth::TokenType::refresh;
  p.refresh.iat = p.refresh.nbf = now;
  p.refresh.exp = now + std::int64_t{s.config.refresh_token_expire_days} * 86400;
  p.refresh.family = family_id;
  p.refresh.session_epoch = user.session_epoch;

  p.record.jti = p.refresh.jti;
  p.record.user_id = user.id;
  p.record.family_id = family_id;
  p.record.issued_at_ms = now * 1000;
  p.record.expires_at_ms = p.refresh.exp * 1000;
  return p;
}

json::object token_json(const Services& s, const Pair& p) {
  return json::object{{"access_token", s.jwt.sign(p.access)},
                      {"refresh_token", s.jwt.sign(p.refresh)},
                      {"token_type", "bearer"},
                      {"expires_in", p.access.exp - p.access.iat}};
}

}  // namespace

json::object issue_tokens(Services& s, const User& user, const std::string& family_id) {
  Pair p = make_pair(s, user, family_id);
  s.db.tokens().store_refresh(p.record);
  return token_json(s, p);
}

json::object rotate_tokens(Services& s, const std::string& refresh_token) {
  auto claims = s.jwt.verify(refresh_token, auth::TokenType::refresh, now_ms() / 1000);
  if (!claims) throw ApiError(401, claims.error().message);
  auto user = s.db.users().find_by_id(claims->sub);
  if (!user || !user->is_active) throw ApiError(401, "Invalid refresh token");
  Pair next = make_pair(s, *user, claims->family);
  auto rotated =
      s.db.tokens().rotate_refresh(claims->jti, user->id, claims->session_epoch, next.record);
  if (!rotated) throw_api_error(rotated.error());
  switch (rotated.value()) {
    case storage::Rotation::rotated:
      return token_json(s, next);
    case storage::Rotation::unknown:
      throw ApiError(401, "Invalid refresh token");
    case storage::Rotation::revoked:
      throw ApiError(401, "Refresh token revoked");
    case storage::Rotation::replayed:
      // Presented twice: someone holds a copy. The family is dead, the thief's and ours.
      throw ApiError(401, "Refresh token reuse detected; please log in again");
    case storage::Rotation::session_ended:
      throw ApiError(401, "Session has ended; please log in again");
  }
  throw ApiError(401, "Invalid refresh token");
}

bool revoke_refresh_family(Services& s, const std::string& refresh_token,
                           const std::string& user_id) {
  auto claims = s.jwt.verify(refresh_token, auth::TokenType::refresh, now_ms() / 1000);
  if (!claims || claims->sub != user_id || claims->family.empty()) return false;
  s.db.tokens().revoke_family(user_id, claims->family);
  return true;
}

void revoke_access_token(Services& s, const http::Principal& principal) {
  s.blacklist.add(principal.token_jti, principal.token_exp_s * 1000);
  s.caches.forget_token(principal.token_jti);  // this node: at once; the others: the event
  SessionEnd end;
  end.jti = principal.token_jti;
  end.reason = "Token has been revoked";
  s.bus.publish(events::Event{principal.user.id, std::move(end)});
}

void sessions_ended(Services& s, const User& user) {
  s.caches.user_written(user.id);
  SessionEnd end;
  end.before_epoch = user.session_epoch;
  end.reason = "Session has ended; please log in again";
  s.bus.publish(events::Event{user.id, std::move(end)});
}

namespace {

Result<http::Principal> principal_of(const auth::Claims& claims, User user) {
  if (!user.is_active) return Error{Errc::forbidden, "Inactive user"};
  if (claims.session_epoch != user.session_epoch) {
    return Error{Errc::unauthenticated, "Session has ended; please log in again"};
  }
  return http::Principal{std::move(user), claims.jti, claims.exp, claims.session_epoch};
}

}  // namespace

Result<http::Principal> authenticate(Services& s, std::string_view access_token,
                                     bool from_database) {
  auto claims = s.jwt.verify(access_token, auth::TokenType::access, now_ms() / 1000);
  if (!claims) return claims.error();
  // Before the reads: see Caches.
  const auto token_stamp = s.caches.stamp(claims->jti);
  const auto user_stamp = s.caches.stamp(claims->sub);
  if (s.blacklist.contains(claims->jti)) {
    return Error{Errc::unauthenticated, "Token has been revoked"};
  }
  // The shared tier (scaled) first; from the database, the user is read with its settings
  // and shared under the generation seen before the reads.
  auto shared = from_database ? SharedFound<CachedUser>{} : s.caches.shared_user(claims->sub);
  std::optional<CachedUser> loaded = std::move(shared.value);
  if (!loaded) {
    auto user = s.db.users().find_by_id(claims->sub);
    if (!user) return Error{Errc::unauthenticated, "Could not validate credentials"};
    loaded = CachedUser{std::move(*user), std::nullopt};
    if (shared.generation) {
      loaded->settings = s.db.users().settings(loaded->user.id);
      s.caches.share_user(*loaded, shared.generation);
    }
  }
  s.caches.remember_live_token(claims->jti, claims->exp, token_stamp);
  if (!loaded->settings) {
    if (auto cached = s.caches.user(loaded->user.id)) loaded->settings = cached->settings;
  }
  s.caches.remember_user(loaded->user, loaded->settings, user_stamp);
  return principal_of(*claims, std::move(loaded->user));
}

std::optional<Result<http::Principal>> authenticate_fast(Services& s,
                                                         std::string_view access_token) {
  auto claims = s.jwt.verify(access_token, auth::TokenType::access, now_ms() / 1000);
  if (!claims) return Result<http::Principal>(claims.error());  // forged or expired: no lookup
  if (!s.caches.token_live(claims->jti)) return std::nullopt;
  auto cached = s.caches.user(claims->sub);
  if (!cached) return std::nullopt;
  return principal_of(*claims, std::move(cached->user));
}

void user_changed(Services& s, const std::string& user_id) {
  s.caches.user_written(user_id);
  s.bus.publish(events::Event{user_id, events::UserChanged{}});
}

}  // namespace ov::api
