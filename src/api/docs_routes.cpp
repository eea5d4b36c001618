// GET /openapi.json, generated from the route table.
#include <cctype>
#include <memory>
#include <mutex>

#include <boost/json.hpp>

#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "api/routes.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

std::string operation_id(const http::Route& r) {
  std::string id = r.method;
  for (char c : r.path) id.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return id;
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

std::string build_openapi(const http::Router& router, const config::Config& config) {
  json::object paths;
  for (const auto& r : router.routes()) {
    json::object op{{"summary", r->doc.summary}, {"operationId", operation_id(*r)}};
    if (!r->doc.tag.empty()) op["tags"] = json::array{json::string(r->doc.tag)};
    auto params = path_parameters(r->path);
    if (!params.empty()) op["parameters"] = std::move(params);
    if (!r->doc.request_body.empty()) op["requestBody"] = json::parse(r->doc.request_body);
    op["responses"] = r->doc.responses.empty()
                          ? json::value(json::object{{"200", json::object{{"description", "OK"}}}})
                          : json::parse(r->doc.responses);
    if (r->auth == http::AuthMode::bearer) {
      op["security"] = json::array{json::object{{"bearerAuth", json::array{}}}};
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
                            {"version", "0.1.0"},
                            {"description",
                             "Self-hostable object detection: accounts, users and "
                             "detection jobs."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{{"schemas", json::parse(docs::component_schemas())},
                    {"securitySchemes",
                     json::object{{"bearerAuth", json::object{{"type", "http"},
                                                              {"scheme", "bearer"},
                                                              {"bearerFormat", "JWT"}}}}}}}};
  if (!config.api_base_url.empty()) {
    doc["servers"] = json::array{json::object{{"url", config.api_base_url}}};
  }
  return json::serialize(doc);
}

}  // namespace

void register_docs_routes(http::Router& router, Services& s) {
  // Built once, on the first request, when every route is registered.
  auto cache = std::make_shared<std::pair<std::once_flag, std::string>>();
  router.add(never_blocks({"GET", "/openapi.json", http::AuthMode::none, "",
                           http::RouteDoc{"This OpenAPI document", "docs", "", ""},
                           [&router, &s, cache](http::Context&) {
                             std::call_once(cache->first, [&] {
                               cache->second = build_openapi(router, s.config);
                             });
                             auto r = http::Response::json(200, cache->second);
                             r.headers.set("Cache-Control", "public, max-age=60");
                             return r;
                           }}));
}

}  // namespace ov::api
