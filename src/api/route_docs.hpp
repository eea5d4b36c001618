#pragma once
// OpenAPI fragments for each route, kept apart from the handlers so that they read cleanly.
#include <string_view>

#include "http/router.hpp"

namespace ov::api::docs {

http::RouteDoc health(std::string_view summary);
http::RouteDoc signup();
http::RouteDoc login();
http::RouteDoc refresh();
http::RouteDoc logout();
http::RouteDoc get_profile();
http::RouteDoc get_user();
http::RouteDoc patch_user();
http::RouteDoc detect_image();
http::RouteDoc detect_batch();
http::RouteDoc get_job();
http::RouteDoc delete_job();
http::RouteDoc history();
http::RouteDoc image(bool annotated);
http::RouteDoc stats();
http::RouteDoc rotate_api_key();
http::RouteDoc revoke_api_key();
http::RouteDoc deepstack(bool custom);
http::RouteDoc deepstack_models();
http::RouteDoc deepstack_ping();
http::RouteDoc deepstack_update();
http::RouteDoc deepstack_unserved();

// The shared component schemas (User, Tokens, HTTPError, HTTPValidationError, ...).
std::string_view component_schemas();

}  // namespace ov::api::docs
