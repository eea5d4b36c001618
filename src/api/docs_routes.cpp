// GET /openapi.json, generated from the route table.
#include <cctype>
#include <memory>
#include <mutex>

#include <boost/json.hpp>

#include "api/docs_assets.hpp"
#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "api/routes.hpp"
#include "core/version.hpp"
#include "http/middleware.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

std::string operation_id(const http::Route& r) {
  std::string id = r.method;
  for (char c : r.path) id.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return id;
}

json::object error_reply(std::string_view description) {
  json::object schema{{"$ref", "#/components/schemas/HTTPError"}};
  return json::object{
      {"description", description},
      {"content", json::object{{"application/json", json::object{{"schema", schema}}}}}};
}

json::array path_parameters(const std::string& path) {
  json::array params;
  std::size_t pos = 0;
  while ((pos = path.find('{', pos)) != std::string::npos) {
    auto end = path.find('}', pos);
    std::string name = path.substr(pos + 1, end - pos - 1);
    json::object schema{{"type", "string"}};
    if (name.ends_with("_id")) schema["format"] = "uuid";
    params.emplace_back(
        json::object{{"name", name}, {"in", "path"}, {"required", true}, {"schema", schema}});
    pos = end;
  }
  return params;
}

}  // namespace

std::string openapi_document(const http::Router& router, const config::Config& config) {
  json::object paths;
  for (const auto& r : router.routes()) {
    if (r->doc.hidden) continue;
    json::object op{{"summary", r->doc.summary}, {"operationId", operation_id(*r)}};
    if (!r->doc.tag.empty()) op["tags"] = json::array{json::string(r->doc.tag)};
    auto params = path_parameters(r->path);
    if (!r->doc.query.empty()) {
      json::value query = json::parse(r->doc.query);
      for (const json::value& q : query.as_array()) params.push_back(q);
    }
    if (!params.empty()) op["parameters"] = std::move(params);
    if (!r->doc.request_body.empty()) op["requestBody"] = json::parse(r->doc.request_body);
    json::value responses =
        r->doc.responses.empty()
            ? json::value(json::object{{"200", json::object{{"description", "OK"}}}})
            : json::parse(r->doc.responses);
    // What the pipeline answers before the handler, on every route it applies to.
    if (r->auth == http::AuthMode::bearer && !responses.as_object().contains("401")) {
      responses.as_object()["401"] = error_reply("Not authenticated");
    }
    if (r->rate_group != "none" && !responses.as_object().contains("429")) {
      json::object reply = error_reply("Too many requests");
      json::object integer{{"type", "integer"}};
      reply["headers"] = json::object{{"Retry-After", json::object{{"schema", integer}}}};
      responses.as_object()["429"] = std::move(reply);
    }
    op["responses"] = std::move(responses);
    // Anonymous routes say so ([]); optional credentials add the empty requirement ({}).
    if (!r->doc.security.empty()) {
      op["security"] = json::parse(r->doc.security);
    } else if (r->auth == http::AuthMode::none) {
      op["security"] = json::array{};
    } else {
      json::array security{json::object{{"bearerAuth", json::array{}}},
                           json::object{{"OAuth2PasswordBearer", json::array{}}}};
      if (r->auth == http::AuthMode::optional) security.insert(security.begin(), json::object{});
      op["security"] = std::move(security);
    }
    std::string method = r->method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::value& item = paths[r->path];
    if (!item.is_object()) item.emplace_object();
    item.as_object()[method] = std::move(op);
  }
  json::object doc{
      {"openapi", "3.1.0"},
      {"info", json::object{{"title", config.company_name + " API"},
                            {"version", kVersion},
                            {"description",
                             "Self-hostable object detection: accounts, users and "
                             "detection jobs."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{
           {"schemas", json::parse(docs::component_schemas())},
           {"securitySchemes",
            json::object{
                {"bearerAuth",
                 json::object{{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}},
                // The "Authorize" button of /docs: a login form that posts to the
                // login route (OAuth2 password flow) and sends the token it gets.
                {"OAuth2PasswordBearer",
                 json::object{
                     {"type", "oauth2"},
                     {"flows",
                      json::object{{"password", json::object{{"tokenUrl", "api/v1/auth/login"},
                                                             {"scopes", json::object{}}}}}}}},
                {"APIKeyHeader",
                 json::object{
                     {"type", "apiKey"},
                     {"in", "header"},
                     {"name", "X-API-Key"},
                     {"description", "A user's API key (POST /api/v1/users/{user_id}/api-key)"}}},
                {"metricsToken",
                 json::object{
                     {"type", "http"},
                     {"scheme", "bearer"},
                     {"description", "METRICS_TOKEN (GET /metrics, when it is set)"}}}}}}}};
  // Without API_BASE_URL: "/", the host that serves this document (OpenAPI's default, said).
  doc["servers"] =
      json::array{json::object{{"url", config.api_base_url.empty() ? "/" : config.api_base_url}}};
  return json::serialize(doc);
}

namespace {

constexpr const char* kJs = "application/javascript; charset=utf-8";
constexpr const char* kCss = "text/css; charset=utf-8";
constexpr const char* kHtml = "text/html; charset=utf-8";

// The pages use paths relative to themselves, so that they work behind a path prefix too.
std::string swagger_page(const std::string& title) {
  return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         title +
         " \u2014 Swagger UI</title>\n"
         "<link rel=\"stylesheet\" href=\"docs/swagger-ui.css\">\n</head>\n<body>\n"
         "<div id=\"swagger-ui\"></div>\n<script src=\"docs/swagger-ui-bundle.js\"></script>\n"
         "<script src=\"docs/init.js\"></script>\n</body>\n</html>\n";
}

std::string redoc_page(const std::string& title) {
  return "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         title +
         " \u2014 ReDoc</title>\n</head>\n<body>\n<redoc spec-url=\"openapi.json\"></redoc>\n"
         "<script src=\"redoc/redoc.standalone.js\"></script>\n</body>\n</html>\n";
}

constexpr const char* kSwaggerInit =
    "window.ui = SwaggerUIBundle({url: 'openapi.json', dom_id: '#swagger-ui', deepLinking: "
    "true, persistAuthorization: true, presets: [SwaggerUIBundle.presets.apis]});\n";

// A file of the docs UIs: kept gzipped once (the first request makes it, on the blocking
// pool) and sent compressed to clients that accept it.
struct Asset {
  std::string_view bytes;
  const char* content_type;
  std::once_flag once;
  std::string gzipped;
};

http::Response asset_response(Asset& a, const http::Request& request) {
  if (!docs_assets::available() && a.bytes.empty()) {
    return http::error_response(503, "The API docs UI is not installed (scripts/setup-npm.sh)");
  }
  std::call_once(a.once, [&a] {
    http::Request wants_gzip;
    wants_gzip.headers.set("Accept-Encoding", "gzip");
    http::Response r;
    r.headers.set("Content-Type", a.content_type);
    r.body = std::string(a.bytes);
    http::maybe_gzip(wants_gzip, r, 0);
    if (r.headers.has("Content-Encoding")) a.gzipped = std::move(r.body);
  });
  http::Response r;
  r.headers.set("Content-Type", a.content_type);
  r.headers.set("Cache-Control", "public, max-age=86400");
  r.headers.add("Vary", "Accept-Encoding");
  auto accept = request.headers.get("Accept-Encoding");
  if (!a.gzipped.empty() && accept && http::accepts_gzip(*accept)) {
    r.headers.set("Content-Encoding", "gzip");
    r.body = a.gzipped;
  } else {
    r.body = std::string(a.bytes);
  }
  return r;
}

http::Response page(std::string body) {
  http::Response r;
  r.headers.set("Content-Type", kHtml);
  r.headers.set("Cache-Control", "no-cache");
  r.body = std::move(body);
  return r;
}

}  // namespace

void register_docs_ui_routes(http::Router& router, Services& s) {
  static Asset swagger_js{docs_assets::swagger_ui_js(), kJs, {}, {}};
  static Asset swagger_css{docs_assets::swagger_ui_css(), kCss, {}, {}};
  static Asset swagger_init{kSwaggerInit, kJs, {}, {}};
  static Asset redoc_js{docs_assets::redoc_js(), kJs, {}, {}};
  const std::string title = s.config.company_name + " API";
  auto ui_doc = [](const char* summary) { return http::RouteDoc{summary, "docs", "", ""}; };
  router.add(never_blocks({"GET", "/docs", http::AuthMode::none, "",
                           ui_doc("Swagger UI: the API, tried from the browser"),
                           [title](http::Context&) { return page(swagger_page(title)); }}));
  router.add(
      never_blocks({"GET", "/redoc", http::AuthMode::none, "", ui_doc("ReDoc: the API reference"),
                    [title](http::Context&) { return page(redoc_page(title)); }}));
  const std::pair<const char*, Asset*> files[] = {{"/docs/swagger-ui-bundle.js", &swagger_js},
                                                  {"/docs/swagger-ui.css", &swagger_css},
                                                  {"/docs/init.js", &swagger_init},
                                                  {"/redoc/redoc.standalone.js", &redoc_js}};
  for (const auto& file : files) {
    Asset* asset = file.second;  // a plain variable: clang 15 captures no structured binding
    router.add({"GET", file.first, http::AuthMode::none, "", ui_doc("A file of the docs UI"),
                [asset](http::Context& c) { return asset_response(*asset, c.request); }});
  }
}

void register_docs_routes(http::Router& router, Services& s) {
  register_docs_ui_routes(router, s);
  // Built once, on the first request, when every route is registered.
  auto cache = std::make_shared<std::pair<std::once_flag, std::string>>();
  router.add(never_blocks({"GET", "/openapi.json", http::AuthMode::none, "",
                           http::RouteDoc{"This OpenAPI document", "docs", "", ""},
                           [&router, &s, cache](http::Context&) {
                             std::call_once(cache->first, [&] {
                               cache->second = openapi_document(router, s.config);
                             });
                             auto r = http::Response::json(200, cache->second);
                             r.headers.set("Cache-Control", "public, max-age=60");
                             return r;
                           }}));
}

}  // namespace ov::api
