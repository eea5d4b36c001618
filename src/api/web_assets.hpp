#pragma once
// The web app's files (web/src bundled by web/build.mjs at build time), built into the binary:
// the app works offline, from the one executable.
#include <string_view>

namespace ov::api::web_assets {

// One bundled file in each encoding the build made (empty when it made none).
struct File {
  std::string_view identity;
  std::string_view gzip;
  std::string_view brotli;
};

bool available();  // false when the build had no node or esbuild (then / answers 503)
File app_js();
File app_css();
std::string_view index_html();  // refers to /assets/app.js and /assets/app.css

}  // namespace ov::api::web_assets
