#include "api/route_docs.hpp"

#include <string>

namespace ov::api::docs {
namespace {

std::string ref(std::string_view name) {
  return R"({"$ref":"#/components/schemas/)" + std::string(name) + R"("})";
}

std::string json_body(std::string_view schema) {
  return R"({"required":true,"content":{"application/json":{"schema":)" + std::string(schema) +
         "}}}";
}

std::string reply(std::string_view code, std::string_view description, std::string_view schema) {
  std::string out =
      "\"" + std::string(code) + R"(":{"description":")" + std::string(description) + "\"";
  if (!schema.empty()) {
    out += R"(,"content":{"application/json":{"schema":)" + std::string(schema) + "}}";
  }
  return out + "}";
}

std::string error(std::string_view code, std::string_view description) {
  return reply(code, description, ref(code == "422" ? "HTTPValidationError" : "HTTPError"));
}

http::RouteDoc doc(std::string_view summary, std::string_view tag, std::string request,
                   std::initializer_list<std::string> replies) {
  std::string responses = "{";
  for (const auto& r : replies) responses += (responses.size() > 1 ? "," : "") + r;
  responses += "}";
  return http::RouteDoc{std::string(summary), std::string(tag), std::move(request), responses};
}

}  // namespace

http::RouteDoc health(std::string_view summary) {
  return doc(summary, "health", "",
             {reply("200", "Healthy", ref("Health")), reply("503", "Unhealthy", ref("Health"))});
}

http::RouteDoc signup() {
  return doc(
      "Create an account", "auth", json_body(ref("SignupRequest")),
      {reply("201", "The new user", ref("User")), error("409", "Email already registered"),
       error("415", "Not JSON"), error("422", "Invalid input"), error("429", "Too many requests")});
}

http::RouteDoc login() {
  return doc("Log in (JSON or OAuth2 password form)", "auth",
             R"({"required":true,"content":{"application/json":{"schema":)" + ref("LoginRequest") +
                 R"(},"application/x-www-form-urlencoded":{"schema":)" + ref("OAuth2PasswordForm") +
                 "}}}",
             {reply("200", "Access and refresh tokens", ref("Tokens")),
              error("401", "Incorrect email or password"), error("403", "Inactive user"),
              error("422", "Invalid input"), error("429", "Too many requests")});
}

http::RouteDoc refresh() {
  return doc("Rotate a refresh token", "auth", json_body(ref("RefreshRequest")),
             {reply("200", "A new token pair", ref("Tokens")),
              error("401", "Invalid, expired, revoked or reused refresh token"),
              error("422", "Invalid input")});
}

http::RouteDoc logout() {
  return doc("Log out: blacklist the access token, revoke the refresh family", "auth",
             R"({"required":false,"content":{"application/json":{"schema":)" +
                 ref("RefreshRequest") + "}}}",
             {reply("204", "Logged out", ""), error("401", "Not authenticated")});
}

http::RouteDoc get_profile() {
  return doc("The caller's profile", "users", "",
             {reply("200", "The caller", ref("User")), error("401", "Not authenticated")});
}

http::RouteDoc get_user() {
  return doc("A user (yourself, or anyone for an admin)", "users", "",
             {reply("200", "The user", ref("User")), error("401", "Not authenticated"),
              error("404", "No such user"), error("422", "Not a UUID")});
}

http::RouteDoc patch_user() {
  return doc("Change name, password, settings (and role / is_active for admins)", "users",
             json_body(ref("UserPatch")),
             {reply("200", "The updated user", ref("User")), error("401", "Not authenticated"),
              error("403", "Wrong current password, or not an admin"), error("404", "No such user"),
              error("422", "Invalid input")});
}

std::string_view component_schemas() {
  return R"({
  "HTTPError": {"type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]},
  "HTTPValidationError": {"type": "object", "properties": {"detail": {"type": "array", "items": {
    "type": "object", "properties": {"loc": {"type": "array", "items": {"type": "string"}},
    "msg": {"type": "string"}, "type": {"type": "string"}}}}}},
  "Health": {"type": "object", "properties": {"status": {"type": "string"}}},
  "SignupRequest": {"type": "object", "required": ["email", "password"], "properties": {
    "email": {"type": "string", "format": "email", "maxLength": 254},
    "password": {"type": "string", "minLength": 8, "maxLength": 128},
    "name": {"type": "string", "maxLength": 100}}},
  "LoginRequest": {"type": "object", "required": ["email", "password"], "properties": {
    "email": {"type": "string", "format": "email"}, "password": {"type": "string"}}},
  "OAuth2PasswordForm": {"type": "object", "required": ["username", "password"], "properties": {
    "username": {"type": "string"}, "password": {"type": "string"},
    "grant_type": {"type": "string"}, "scope": {"type": "string"}}},
  "RefreshRequest": {"type": "object", "required": ["refresh_token"], "properties": {
    "refresh_token": {"type": "string"}}},
  "Tokens": {"type": "object", "properties": {"access_token": {"type": "string"},
    "refresh_token": {"type": "string"}, "token_type": {"type": "string", "enum": ["bearer"]},
    "expires_in": {"type": "integer", "description": "Seconds the access token lives"}}},
  "UserSettings": {"type": "object", "properties": {
    "theme": {"type": "string", "enum": ["light", "dark", "system"]},
    "notifications": {"type": "boolean"}, "has_api_key": {"type": "boolean", "readOnly": true}}},
  "User": {"type": "object", "properties": {"id": {"type": "string", "format": "uuid"},
    "email": {"type": "string", "format": "email"}, "name": {"type": "string"},
    "role": {"type": "string", "enum": ["user", "admin"]}, "is_active": {"type": "boolean"},
    "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"},
    "settings": {"$ref": "#/components/schemas/UserSettings"}}},
  "UserPatch": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 100},
    "current_password": {"type": "string"}, "new_password": {"type": "string", "minLength": 8},
    "settings": {"type": "object", "properties": {
      "theme": {"type": "string", "enum": ["light", "dark", "system"]},
      "notifications": {"type": "boolean"}}},
    "role": {"type": "string", "enum": ["user", "admin"], "description": "admins only"},
    "is_active": {"type": "boolean", "description": "admins only"}}}
})";
}

}  // namespace ov::api::docs
