#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/middleware.hpp"
#include "obs/logging.hpp"

namespace ov::http {

namespace {

// Every 503 tells the client when to try again (a database, Redis or the object store that
// cannot be reached is usually back within seconds); a route that knows better sets its own.
Response with_retry_after(Response r) {
  if (r.status == 503) r.headers.set("Retry-After", "2");
  return r;
}

}  // namespace

Response error_response(int status, std::string_view detail) {
  return with_retry_after(Response::json(status, "{\"detail\":\"" + json_escape(detail) + "\"}"));
}

Response current_exception_response() {
  try {
    throw;
  } catch (const ApiError& e) {
    Response r =
        e.detail_is_json()
            ? with_retry_after(Response::json(e.status(), "{\"detail\":" + e.detail() + "}"))
            : error_response(e.status(), e.detail());
    if (e.status() == 401) r.headers.set("WWW-Authenticate", "Bearer");
    for (const auto& [name, value] : e.headers()) r.headers.set(name, value);
    return r;
  } catch (const std::exception& e) {
    // Internal detail goes to the log (with the request id), never to the client.
    spdlog::error("unhandled error: {}", e.what());
  } catch (...) {
    spdlog::error("unhandled non-standard exception");
  }
  return error_response(500, "Internal Server Error");
}

}  // namespace ov::http
