// JSON request bodies as the handlers read them: parse_json_object under each content type,
// then the Validator calls of signup, login, refresh, logout and the user update (nested
// settings), and the error boundary that turns what they throw into a response.
// Input: one byte choosing the handler and the Content-Type, then the body.
#include <array>
#include <string>

#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "core/email.hpp"
#include "fuzz/fuzz_check.hpp"
#include "http/middleware.hpp"

namespace {
namespace json = boost::json;
using ov::api::Validator;

constexpr std::array<const char*, 4> kContentTypes = {"application/json",
                                                      "Application/JSON; charset=utf-8",
                                                      "application/problem+json", "text/plain"};

void signup(Validator& v) {
  auto email = v.string("email", true, 1, 254);
  (void)v.string("password", true, 8, 128);
  (void)v.string("name", false, 0, 100);
  if (email && !ov::normalize_email(*email)) {
    v.error("email", "value is not a valid email address", "value_error");
  }
}

void login(Validator& v) {
  (void)v.string("email", true, 1, 320);
  (void)v.string("password", true, 1, 1024);
}

void patch_user(Validator& v) {
  (void)v.string("name", false, 1, 100);
  (void)v.string("current_password", false, 1, 1024);
  (void)v.string("new_password", false, 8, 128);
  (void)v.string("role", false, 1, 16);
  (void)v.boolean("is_active");
  if (const auto* settings = v.object("settings")) {
    Validator sv(*settings, v, "settings");
    (void)sv.string("theme", false, 1, 16);
    (void)sv.boolean("notifications");
    FUZZ_CHECK(sv.failed() == v.failed(), "a nested validator disagrees with its parent");
  }
}

ov::http::Response run(unsigned selector, const ov::http::Request& request) {
  return ov::http::guarded([&] {
    unsigned handler = selector % 5;
    json::object body = ov::api::parse_json_object(request, /*allow_empty=*/handler == 3);
    Validator v(body);
    switch (handler) {
      case 0:
        signup(v);
        break;
      case 1:
        login(v);
        break;
      case 2:
      case 3:
        (void)v.string("refresh_token", handler == 2, 1, 4096);
        break;
      default:
        patch_user(v);
    }
    v.throw_if_failed();
    return ov::api::json_response(200, body);
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  unsigned selector = data[0];
  ov::http::Request request;
  request.method = "POST";
  request.headers.set("Content-Type", kContentTypes[(selector / 5) % kContentTypes.size()]);
  request.body.assign(ov::fuzz::as_text(data + 1, size - 1));

  ov::http::Response response = run(selector, request);
  FUZZ_CHECK(response.status == 200 || response.status == 415 || response.status == 422,
             response.body);
  json::error_code ec;
  json::value answer = json::parse(response.body, ec);
  FUZZ_CHECK(!ec && answer.is_object(), response.body);
  if (response.status == 422) {
    const json::value* detail = answer.as_object().if_contains("detail");
    FUZZ_CHECK(detail && detail->is_array() && !detail->as_array().empty(), response.body);
  }
  return 0;
}
