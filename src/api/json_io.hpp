#pragma once
// JSON at the edge: request bodies in, response bodies out, FastAPI-style validation errors.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "http/message.hpp"

namespace ov::api {

// The body as a JSON object: 415 for another content type, 422 json_invalid for bad JSON or a
// non-object. An empty body is {} when allow_empty.
boost::json::object parse_json_object(const http::Request& request, bool allow_empty = false);

http::Response json_response(int status, const boost::json::value& body);

// Collects validation errors ({loc, msg, type}) and throws them as one 422.
class Validator {
 public:
  explicit Validator(const boost::json::object& body) : body_(body), loc_{"body"} {}
  // Validates a nested object; its errors go to the parent, located under `field`.
  Validator(const boost::json::object& body, Validator& parent, std::string_view field)
      : body_(body), loc_(parent.loc_), parent_(&parent) {
    loc_.emplace_back(field);
  }

  std::optional<std::string> string(std::string_view field, bool required, std::size_t min_len,
                                    std::size_t max_len);
  std::optional<bool> boolean(std::string_view field);
  const boost::json::object* object(std::string_view field);
  void error(std::string_view field, std::string_view msg, std::string_view type);
  bool has(std::string_view field) const { return body_.contains(field); }
  bool failed() const { return parent_ ? parent_->failed() : !errors_.empty(); }
  void throw_if_failed() const;  // ApiError 422

 private:
  const boost::json::object& body_;
  std::vector<std::string> loc_;
  Validator* parent_ = nullptr;
  boost::json::array errors_;
};

// A single 422 for one parameter (path or query), e.g. ("path", "user_id", ...).
[[noreturn]] void throw_validation(std::string_view where, std::string_view field,
                                   std::string_view msg, std::string_view type);

// An integer query parameter in [lo, hi], `fallback` when absent; 422 otherwise.
int query_int(const http::Request& request, const char* name, int fallback, int lo, int hi);

}  // namespace ov::api
