#include "http/middleware.hpp"

namespace ov::http {

void add_security_headers(const Request& request, Response& response) {
  auto& h = response.headers;
  h.set("X-Content-Type-Options", "nosniff");
  h.set("X-Frame-Options", "DENY");
  h.set("Referrer-Policy", "no-referrer");
  bool docs = request.path == "/docs" || request.path == "/redoc";
  if (docs) {
    // The docs pages load their scripts and styles from this server only.
    h.set("Content-Security-Policy",
          "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
          "'unsafe-inline'; img-src 'self' data: blob:; worker-src 'self' blob:");
  } else if (!h.has("Cache-Control")) {
    h.set("Cache-Control", "no-store");
  }
}

}  // namespace ov::http
