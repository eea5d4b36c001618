#include "api/session_events.hpp"

#include <boost/json.hpp>

namespace ov::api {
namespace json = boost::json;

events::Event token_revoked_event(const std::string& user_id, const std::string& jti) {
  return {user_id, json::serialize(json::object{{"type", "session.revoked"}, {"jti", jti}}),
          events::Topic::session};
}

events::Event sessions_ended_event(const std::string& user_id, std::int64_t new_epoch) {
  return {user_id, json::serialize(json::object{{"type", "session.ended"}, {"epoch", new_epoch}}),
          events::Topic::session};
}

std::optional<http::SessionEnd> session_end_from(const events::Event& event) {
  if (event.topic != events::Topic::session) return std::nullopt;
  json::error_code ec;
  json::value v = json::parse(event.json, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const json::object& o = v.as_object();
  const json::value* type = o.if_contains("type");
  if (type == nullptr || !type->is_string()) return std::nullopt;
  http::SessionEnd end;
  if (type->as_string() == "session.revoked") {
    const json::value* jti = o.if_contains("jti");
    if (jti == nullptr || !jti->is_string() || jti->as_string().empty()) return std::nullopt;
    end.jti = std::string(jti->as_string());
    end.reason = "Token has been revoked";
    return end;
  }
  if (type->as_string() == "session.ended") {
    const json::value* epoch = o.if_contains("epoch");
    if (epoch == nullptr || !epoch->is_int64() || epoch->as_int64() <= 0) return std::nullopt;
    end.before_epoch = epoch->as_int64();
    end.reason = "Session has ended; please log in again";
    return end;
  }
  return std::nullopt;
}

}  // namespace ov::api
