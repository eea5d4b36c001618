// WebSocket client messages: the text frames a client sends and the ?token= of the upgrade
// request. Input: the frame; it is also tried as an upgrade target.
#include <boost/json.hpp>

#include "fuzz/fuzz_check.hpp"
#include "http/ws_message.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text = ov::fuzz::as_text(data, size);
  auto message = ov::http::parse_ws_message(text);
  if (!message.type.empty()) {
    // What was read survives a round trip through the serializer.
    boost::json::object o{{"type", message.type}, {"token", message.token}};
    auto again = ov::http::parse_ws_message(boost::json::serialize(o));
    FUZZ_CHECK(again.type == message.type && again.token == message.token, message.type);
  } else {
    FUZZ_CHECK(message.token.empty() || text.find('{') != std::string_view::npos, message.token);
  }
  std::string token = ov::http::ws_query_token(text);
  FUZZ_CHECK(token.size() <= text.size(), token);
  return 0;
}
