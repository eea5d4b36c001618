#include "http/ws_message.hpp"

#include <boost/json.hpp>

#include "http/message.hpp"

namespace ov::http {
namespace json = boost::json;

WsClientMessage parse_ws_message(std::string_view text) {
  WsClientMessage out;
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return out;
  const auto& o = v.as_object();
  if (auto* t = o.if_contains("type"); t && t->is_string()) out.type = t->as_string();
  if (auto* t = o.if_contains("token"); t && t->is_string()) out.token = t->as_string();
  return out;
}

std::string ws_query_token(std::string_view target) {
  Request r;
  split_target(target, r.path, r.query);
  return r.query_param("token").value_or("");
}

}  // namespace ov::http
