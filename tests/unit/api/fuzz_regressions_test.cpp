// Inputs the fuzz targets (fuzz/) found failing, kept as unit tests; the inputs themselves are
// also replayed by scripts/fuzz.sh from fuzz/regressions/<target>/.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "../inference/support.hpp"
#include "api/json_io.hpp"
#include "api/upload.hpp"
#include "http/middleware.hpp"
#include "inference/engine.hpp"

namespace ov::api {
namespace {

// A 2x2 24-bit BMP.
std::string tiny_bmp() {
  std::string b(54 + 16, '\0');
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
  };
  b[0] = 'B';
  b[1] = 'M';
  put32(2, static_cast<std::uint32_t>(b.size()));
  put32(10, 54);
  put32(14, 40);
  put32(18, 2);
  put32(22, 2);
  b[26] = 1;
  b[28] = 24;
  put32(34, 16);
  return b;
}

http::Request upload(const std::string& field, const std::string& value) {
  http::Request r;
  r.method = "POST";
  r.headers.set("Content-Type", "multipart/form-data; boundary=b");
  r.body = "--b\r\nContent-Disposition: form-data; name=\"" + field + "\"\r\n\r\n" + value +
           "\r\n--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.bmp\"\r\n\r\n" +
           tiny_bmp() + "\r\n--b--\r\n";
  return r;
}

boost::json::value parse_json(const std::string& text) {
  boost::json::error_code ec;
  auto v = boost::json::parse(text, ec);
  EXPECT_FALSE(ec) << "not valid JSON: " << text;
  return v;
}

// fuzz_http_request: a form field that is not UTF-8 came back inside a 422 ("Unknown model:
// <bytes>") whose body was not valid JSON, and a name or file name would be stored as is.
TEST(FuzzRegressions, FormTextThatIsNotUtf8IsA422InValidJson) {
  namespace test = inference::test;
  inference::EngineSettings settings;
  settings.model_path = (test::shared_test_models() / "yolov8.onnx").string();
  auto engine = inference::Engine::load(settings);
  ASSERT_TRUE(engine.ok()) << engine.error().message;
  const config::Config config;
  for (const char* field : {"model", "classes", "name"}) {
    http::Response r = http::guarded([&] {
      (void)parse_upload(upload(field, "yolov8\xE9"), UploadKind::single, config, **engine);
      return http::Response::empty(200);
    });
    EXPECT_EQ(r.status, 422) << field;
    auto body = parse_json(r.body);
    ASSERT_TRUE(body.is_object()) << r.body;
    EXPECT_EQ(body.at("detail").at(0).at("type"), "string_unicode") << r.body;
  }
}

TEST(FuzzRegressions, ValidationMessagesAndFileNamesAreMadeUtf8) {
  http::Response r = http::guarded([]() -> http::Response {
    throw_validation("body", "model", "Unknown model: a\xFF", "value_error");
  });
  EXPECT_EQ(parse_json(r.body).at("detail").at(0).at("msg"), "Unknown model: a\xEF\xBF\xBD");
  r = http::guarded([]() -> http::Response { throw ApiError(404, "No job \xC0\xAF"); });
  EXPECT_EQ(parse_json(r.body).at("detail"), "No job \xEF\xBF\xBD\xEF\xBF\xBD");

  const std::string image = tiny_bmp();
  http::FormPart part{"image", std::string("caf\xE9.bmp"), "", image};
  EXPECT_EQ(check_image_part(part, "image", 0).filename, "caf\xEF\xBF\xBD.bmp");
}

// fuzz_json_body: a number too large for a double (1e999) parsed as infinity, and a body echoed
// back held "Infinity": not JSON. Such a body is refused as JSON that does not decode.
TEST(FuzzRegressions, ANumberOutOfRangeIsA422LikeAnyUndecodableJson) {
  for (const std::string body : {R"({"mail":1e999})", R"({"a":[1,{"b":-1e400}]})"}) {
    http::Request r;
    r.method = "POST";
    r.headers.set("Content-Type", "application/json");
    r.body = body;
    http::Response answer =
        http::guarded([&] { return json_response(200, parse_json_object(r, false)); });
    EXPECT_EQ(answer.status, 422) << body;
    auto detail = parse_json(answer.body).as_object().at("detail").as_array();
    EXPECT_EQ(detail.at(0).as_object().at("type").as_string(), "json_invalid") << answer.body;
  }
  http::Request fine;
  fine.method = "POST";
  fine.headers.set("Content-Type", "application/json");
  fine.body = R"({"a":1e300,"b":-2.5,"c":[0]})";
  EXPECT_EQ(parse_json_object(fine, false).at("a").as_double(), 1e300);
}

}  // namespace
}  // namespace ov::api
