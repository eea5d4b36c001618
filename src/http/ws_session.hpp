#pragma once
// Internal to ov_http (includes Beast): one WebSocket connection of WS /api/v1/ws.
#include <chrono>
#include <memory>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

namespace ov::http {

class Pipeline;
class WsHub;
class BlockingPool;

// Takes over a socket whose HTTP request asked for the WebSocket upgrade: handshake,
// authentication (?token= or a first {"type":"auth","token":...} message within 10 s, else
// close code 4401), then the user's events until either side closes. The connection closes
// with 4401 when its token expires, is revoked or its session ends (WsHub::end_sessions, and a
// check of the token every `recheck`), and with 4429 when the user has too many connections.
void start_ws_session(boost::asio::ip::tcp::socket socket,
                      boost::beast::http::request<boost::beast::http::string_body> request,
                      WsHub& hub, const Pipeline& pipeline, BlockingPool& pool,
                      std::chrono::seconds recheck, std::shared_ptr<void> connection_slot);

}  // namespace ov::http
