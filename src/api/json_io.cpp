#include "api/json_io.hpp"

#include <charconv>
#include <cmath>

#include <boost/json.hpp>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

json::object make_error(std::string_view where, std::string_view field, std::string_view msg,
                        std::string_view type) {
  json::array loc{json::string(where)};
  if (!field.empty()) loc.emplace_back(json::string(field));
  return json::object{{"loc", std::move(loc)}, {"msg", to_valid_utf8(msg)}, {"type", type}};
}

// A number too large for a double (1e999) parses as infinity, which JSON cannot write back: such
// a body is refused like any JSON that does not decode. The parser's depth limit (32) bounds
// the recursion.
bool numbers_are_finite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& item : v.get_array()) {
        if (!numbers_are_finite(item)) return false;
      }
      return true;
    case json::kind::object:
      for (const auto& field : v.get_object()) {
        if (!numbers_are_finite(field.value())) return false;
      }
      return true;
    default:
      return true;
  }
}

}  // namespace

json::object parse_json_object(const http::Request& request, bool allow_empty) {
  if (allow_empty && request.body.empty()) return {};
  std::string ct = request.content_type();
  if (ct != "application/json" && !(ct.size() > 5 && ct.ends_with("+json"))) {
    throw ApiError(415, "Unsupported Media Type: expected application/json");
  }
  json::error_code ec;
  json::value v = json::parse(request.body, ec);
  if (!ec && !numbers_are_finite(v)) ec = json::make_error_code(json::error::exponent_overflow);
  if (ec || !v.is_object()) {
    json::array errors{make_error("body", "",
                                  ec ? "JSON decode error" : "Input should be an object",
                                  ec ? "json_invalid" : "model_attributes_type")};
    throw ApiError::with_json_detail(422, json::serialize(errors));
  }
  return std::move(v.as_object());
}

http::Response json_response(int status, const json::value& body) {
  return http::Response::json(status, json::serialize(body));
}

std::optional<std::string> Validator::string(std::string_view field, bool required,
                                             std::size_t min_len, std::size_t max_len) {
  auto it = body_.find(field);
  if (it == body_.end() || it->value().is_null()) {
    if (required) error(field, "Field required", "missing");
    return std::nullopt;
  }
  if (!it->value().is_string()) {
    error(field, "Input should be a valid string", "string_type");
    return std::nullopt;
  }
  std::string s(it->value().as_string());
  if (s.size() < min_len) {
    error(field, "String should have at least " + std::to_string(min_len) + " characters",
          "string_too_short");
    return std::nullopt;
  }
  if (s.size() > max_len) {
    error(field, "String should have at most " + std::to_string(max_len) + " characters",
          "string_too_long");
    return std::nullopt;
  }
  return s;
}

std::optional<bool> Validator::boolean(std::string_view field) {
  auto it = body_.find(field);
  if (it == body_.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_bool()) {
    error(field, "Input should be a valid boolean", "bool_type");
    return std::nullopt;
  }
  return it->value().as_bool();
}

const json::object* Validator::object(std::string_view field) {
  auto it = body_.find(field);
  if (it == body_.end() || it->value().is_null()) return nullptr;
  if (!it->value().is_object()) {
    error(field, "Input should be an object", "model_type");
    return nullptr;
  }
  return &it->value().as_object();
}

void Validator::error(std::string_view field, std::string_view msg, std::string_view type) {
  json::array loc;
  for (const auto& part : loc_) loc.emplace_back(json::string(part));
  if (!field.empty()) loc.emplace_back(json::string(field));
  Validator* root = this;  // nested validators report to the outermost one
  while (root->parent_) root = root->parent_;
  root->errors_.emplace_back(
      json::object{{"loc", std::move(loc)}, {"msg", to_valid_utf8(msg)}, {"type", type}});
}

void Validator::throw_if_failed() const {
  if (!errors_.empty()) throw ApiError::with_json_detail(422, json::serialize(errors_));
}

void throw_validation(std::string_view where, std::string_view field, std::string_view msg,
                      std::string_view type) {
  json::array errors{make_error(where, field, msg, type)};
  throw ApiError::with_json_detail(422, json::serialize(errors));
}

int query_int(const http::Request& request, const char* name, int fallback, int lo, int hi) {
  auto text = request.query_param(name);
  if (!text) return fallback;
  int v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size() || v < lo || v > hi) {
    throw_validation(
        "query", name,
        "Input should be an integer from " + std::to_string(lo) + " to " + std::to_string(hi),
        "value_error");
  }
  return v;
}

}  // namespace ov::api
