#pragma once
// The public JSON shape of a user (never the password hash).
#include <optional>

#include <boost/json/object.hpp>

#include "core/user.hpp"

namespace ov::api {

boost::json::object user_json(const User& user, const std::optional<UserSettings>& settings);

}  // namespace ov::api
