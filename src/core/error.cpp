#include "core/error.hpp"

namespace ov {

int http_status(Errc code) {
  switch (code) {
    case Errc::invalid_argument:
      return 400;
    case Errc::unauthenticated:
      return 401;
    case Errc::forbidden:
      return 403;
    case Errc::not_found:
      return 404;
    case Errc::conflict:
      return 409;
    case Errc::too_large:
      return 413;
    case Errc::unsupported:
      return 415;
    case Errc::rate_limited:
      return 429;
    case Errc::unavailable:
      return 503;
    case Errc::no_space:
      return 507;
    case Errc::timeout:
      return 504;
    case Errc::internal:
      return 500;
  }
  return 500;
}

void throw_api_error(const Error& error) {
  throw ApiError(http_status(error.code), error.message);
}

}  // namespace ov
