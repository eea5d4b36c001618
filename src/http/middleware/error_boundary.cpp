#include <spdlog/spdlog.h>

#include "core/error.hpp"
#include "core/text.hpp"
#include "http/middleware.hpp"
#include "obs/logging.hpp"

namespace ov::http {

Response error_response(int status, std::string_view detail) {
  return Response::json(status, "{\"detail\":\"" + json_escape(detail) + "\"}");
}

Response current_exception_response() {
  try {
    throw;
  } catch (const ApiError& e) {
    Response r = e.detail_is_json() ? Response::json(e.status(), "{\"detail\":" + e.detail() + "}")
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
