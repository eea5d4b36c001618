#pragma once
// The end of sessions, as events on the bus (Topic::session): every node closes the WebSockets
// that the ended tokens opened.
//   {"type":"session.revoked","jti":"..."}   one access token (logout)
//   {"type":"session.ended","epoch":N}       every token of a session epoch below N
#include <cstdint>
#include <optional>
#include <string>

#include "events/bus.hpp"
#include "http/ws_hub.hpp"

namespace ov::api {

events::Event token_revoked_event(const std::string& user_id, const std::string& jti);
events::Event sessions_ended_event(const std::string& user_id, std::int64_t new_epoch);
// nullopt for anything that is not one of the two above.
std::optional<http::SessionEnd> session_end_from(const events::Event& event);

}  // namespace ov::api
