// The web app: its pages (index.html at / and at each client-side path), its bundled files
// under /assets/ with a content hash in their names, and GET /api/v1/client-config (the limits
// the app checks before it uploads).
#include <array>
#include <memory>
#include <string>

#include <boost/json.hpp>

#include "api/routes.hpp"
#include "api/web_assets.hpp"
#include "auth/digest.hpp"
#include "http/middleware.hpp"

namespace ov::api {
namespace {

// Scripts from this origin only, no inline script, no eval; images of the API are fetched with
// the token and shown through blob: URLs; the WebSocket is same-origin ('self' covers ws/wss).
constexpr const char* kAppPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

// The paths the app routes itself (history.pushState): each answers the same page, so that a
// reload or a shared link of any of them works.
constexpr std::array kAppPaths{"/",        "/login",         "/signup",   "/upload",
                               "/history", "/jobs/{job_id}", "/settings", "/admin"};

struct Asset {
  web_assets::File file;
  std::string content_type;
  std::string name;  // app.<hash>.js: a new build, a new name
  std::string etag;
};

struct App {
  Asset js;
  Asset css;
  std::string page;  // index.html, pointing at the hashed names
};

Asset make_asset(web_assets::File file, std::string_view stem, std::string_view ext,
                 std::string content_type) {
  std::string hash = auth::sha256_hex(file.identity).substr(0, 16);
  return {file, std::move(content_type), std::string(stem) + "." + hash + "." + std::string(ext),
          "\"" + hash + "\""};
}

void replace_once(std::string& text, std::string_view from, std::string_view to) {
  auto at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
}

std::shared_ptr<const App> make_app() {
  auto app = std::make_shared<App>();
  app->js = make_asset(web_assets::app_js(), "app", "js", "application/javascript; charset=utf-8");
  app->css = make_asset(web_assets::app_css(), "app", "css", "text/css; charset=utf-8");
  app->page = std::string(web_assets::index_html());
  replace_once(app->page, "\"/assets/app.js\"", "\"/assets/" + app->js.name + "\"");
  replace_once(app->page, "\"/assets/app.css\"", "\"/assets/" + app->css.name + "\"");
  return app;
}

http::Response not_installed() {
  return http::error_response(
      503, "The web app was not built (node and esbuild: scripts/setup-npm.sh, then rebuild)");
}

http::Response page_response(const App& app) {
  if (!web_assets::available()) return not_installed();
  http::Response r;
  r.headers.set("Content-Type", "text/html; charset=utf-8");
  r.headers.set("Cache-Control", "no-cache");  // revalidated: it names the current files
  r.headers.set("Content-Security-Policy", kAppPolicy);
  r.body = app.page;
  return r;  // the pipeline gzips it for clients that accept it
}

// Brotli, else gzip, else the plain bytes — all made at build time, sent as they are.
http::Response asset_response(const Asset& a, const http::Request& request) {
  http::Response r;
  r.headers.set("Content-Type", a.content_type);
  r.headers.set("Cache-Control", "public, max-age=31536000, immutable");
  r.headers.set("ETag", a.etag);
  r.headers.add("Vary", "Accept-Encoding");
  if (auto inm = request.headers.get("If-None-Match"); inm && *inm == a.etag) {
    r.status = 304;
    return r;
  }
  auto accept = request.headers.get("Accept-Encoding").value_or("");
  if (!a.file.brotli.empty() && http::accepts_encoding(accept, "br")) {
    r.headers.set("Content-Encoding", "br");
    r.body = std::string(a.file.brotli);
  } else if (!a.file.gzip.empty() && http::accepts_encoding(accept, "gzip")) {
    r.headers.set("Content-Encoding", "gzip");
    r.body = std::string(a.file.gzip);
  } else {
    r.body = std::string(a.file.identity);
  }
  return r;
}

std::string client_config(const config::Config& c) {
  boost::json::object o{
      {"company_name", c.company_name},
      {"max_upload_bytes", c.max_body_bytes()},  // a whole request: a batch's files together
      {"max_batch_images", c.max_batch_images},
      {"max_image_pixels", c.max_image_pixels},
      {"max_tiles", c.max_tiles},
      {"confidence_threshold", c.confidence_threshold},
      {"image_types",
       boost::json::array{"image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff"}}};
  return boost::json::serialize(o);
}

}  // namespace

void register_web_routes(http::Router& router, Services& s) {
  std::shared_ptr<const App> app = make_app();
  http::RouteDoc page_doc{"The web app", "web", "", ""};
  page_doc.hidden = true;  // pages, not API
  for (const char* path : kAppPaths) {
    router.add(never_blocks({"GET", path, http::AuthMode::none, "", page_doc,
                             [app](http::Context&) { return page_response(*app); }}));
  }
  http::RouteDoc asset_doc{"A file of the web app", "web", "", ""};
  asset_doc.hidden = true;
  router.add(never_blocks(
      {"GET", "/assets/{file}", http::AuthMode::none, "", asset_doc, [app](http::Context& c) {
         if (!web_assets::available()) return not_installed();
         const std::string& file = c.params["file"];
         if (file == app->js.name) return asset_response(app->js, c.request);
         if (file == app->css.name) return asset_response(app->css, c.request);
         return http::error_response(404, "No such file");
       }}));
  std::string config_json = client_config(s.config);
  router.add(never_blocks(
      {"GET", "/api/v1/client-config", http::AuthMode::none, "",
       http::RouteDoc{"What a client checks before an upload: size, count, types and pixels "
                      "allowed, the default confidence, the product's name",
                      "web", "", ""},
       [config_json](http::Context&) {
         auto r = http::Response::json(200, config_json);
         r.headers.set("Cache-Control", "public, max-age=300");
         return r;
       }}));
}

}  // namespace ov::api
