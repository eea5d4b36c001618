#pragma once
// What a WebSocket client sends on WS /api/v1/ws, parsed apart from the socket code (so that
// it is unit-tested and fuzzed): text frames holding one JSON object with a string "type" —
// {"type":"auth","token":"..."} as the first message, {"type":"ping"} later — and the
// ?token= query parameter of the upgrade request.
#include <string>
#include <string_view>

namespace ov::http {

struct WsClientMessage {
  std::string type;   // "" unless the frame is a JSON object with a string "type"
  std::string token;  // the string "token" member; "" when absent or not a string
};

WsClientMessage parse_ws_message(std::string_view text);

// The decoded `token` query parameter of an upgrade request's target; "" when absent or
// badly escaped.
std::string ws_query_token(std::string_view target);

}  // namespace ov::http
