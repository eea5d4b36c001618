#pragma once
// Issuing, rotating and revoking token pairs (access + refresh with a rotation family).
#include <string>

#include <boost/json/object.hpp>

#include "api/services.hpp"
#include "core/error.hpp"
#include "core/user.hpp"
#include "http/router.hpp"

namespace ov::api {

// {access_token, refresh_token, token_type: "bearer", expires_in}; the refresh token is stored.
boost::json::object issue_tokens(Services& s, const User& user, const std::string& family_id);

// Rotation: the presented refresh token dies and a new pair of the same family is returned.
// A used or revoked token is a replay: the family is revoked. Errors are 401.
boost::json::object rotate_tokens(Services& s, const std::string& refresh_token);

// Revokes the family of a refresh token that belongs to user_id (logout); false when the
// token is not a valid refresh token of that user (then nothing is revoked).
bool revoke_refresh_family(Services& s, const std::string& refresh_token,
                           const std::string& user_id);

// Ends one access token: blacklisted, and the WebSockets it opened close on every node.
void revoke_access_token(Services& s, const http::Principal& principal);
// After UserRepository::update_ending_sessions: the user's WebSockets of older epochs close.
void sessions_ended(Services& s, const User& user);

// Bearer access token -> principal (signature, expiry, type, blacklist, user active, session
// epoch); the user from the caches' Redis tier (scaled) or the database, and from the database
// only when `from_database` (the authoritative recheck of an open WebSocket, which must catch
// what a lost invalidation left behind). Fills the caches for authenticate_fast.
Result<http::Principal> authenticate(Services& s, std::string_view access_token,
                                     bool from_database = false);
// The same from memory only: the signature and claims are checked here, the token and the user
// must be in the caches; nullopt when they are not (authenticate() then decides).
std::optional<Result<http::Principal>> authenticate_fast(Services& s,
                                                         std::string_view access_token);

// After a write that changed a user (name, role, settings, API key): every node's caches
// forget the user.
void user_changed(Services& s, const std::string& user_id);

}  // namespace ov::api
