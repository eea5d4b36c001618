#pragma once
// Errors are values inside ObjectVision; the HTTP edge turns them into {"detail": ...}.
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace ov {

enum class Errc {
  invalid_argument,  // 400 / 422
  unauthenticated,   // 401
  forbidden,         // 403
  not_found,         // 404
  conflict,          // 409
  too_large,         // 413
  unsupported,       // 415
  rate_limited,      // 429
  unavailable,       // 503
  no_space,          // 507: the disk (or the store) is full
  timeout,           // a deadline passed (a job's timeout)
  internal,          // 500
};

struct Error {
  Errc code = Errc::internal;
  std::string message;
};

// A small std::expected stand-in (C++20): either a value or an Error.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return !error_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

// Thrown by handlers and carried to the single HTTP error boundary.
class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string detail)
      : std::runtime_error(detail), status_(status), detail_(std::move(detail)) {}
  // A detail that is already JSON (FastAPI's validation list).
  static ApiError with_json_detail(int status, std::string json) {
    ApiError e(status, std::move(json));
    e.json_ = true;
    return e;
  }
  // With response headers, e.g. Retry-After on a 429 or 503.
  static ApiError with_headers(int status, std::string detail,
                               std::vector<std::pair<std::string, std::string>> headers) {
    ApiError e(status, std::move(detail));
    e.headers_ = std::move(headers);
    return e;
  }
  int status() const { return status_; }
  const std::string& detail() const { return detail_; }
  bool detail_is_json() const { return json_; }
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

 private:
  int status_;
  std::string detail_;
  bool json_ = false;
  std::vector<std::pair<std::string, std::string>> headers_;
};

int http_status(Errc code);
[[noreturn]] void throw_api_error(const Error& error);

}  // namespace ov
