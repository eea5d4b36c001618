#include "api/user_json.hpp"

#include "core/ids.hpp"

namespace ov::api {

boost::json::object user_json(const User& user, const std::optional<UserSettings>& settings) {
  boost::json::object out{{"id", user.id},
                          {"email", user.email},
                          {"name", user.name},
                          {"role", to_string(user.role)},
                          {"is_active", user.is_active},
                          {"created_at", rfc3339(user.created_at_ms)},
                          {"updated_at", rfc3339(user.updated_at_ms)}};
  UserSettings s = settings.value_or(UserSettings{user.id});
  out["settings"] = boost::json::object{{"theme", s.theme},
                                        {"notifications", s.notifications},
                                        {"daily_report", s.daily_report},
                                        {"has_api_key", s.api_key_hash.has_value()}};
  return out;
}

}  // namespace ov::api
