#include "core/ids.hpp"
#include "http/middleware.hpp"

namespace ov::http {

std::string resolve_request_id(const Request& request) {
  auto incoming = request.headers.get("X-Request-ID");
  if (incoming && !incoming->empty() && incoming->size() <= 128) {
    bool ok = true;
    for (char c : *incoming) {
      bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '_' || c == '.' || c == ':';
      if (!allowed) {
        ok = false;
        break;
      }
    }
    if (ok) return std::string(*incoming);
  }
  return new_request_uuid();
}

}  // namespace ov::http
