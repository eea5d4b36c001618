#pragma once
// The Swagger UI and ReDoc files, built into the binary from the pinned npm packages
// (swagger-ui-dist, redoc) that scripts/setup-npm.sh installs: /docs and /redoc work offline.
#include <string_view>

namespace ov::api::docs_assets {

bool available();  // false when the build found no packages (then /docs answers 503)
std::string_view swagger_ui_js();
std::string_view swagger_ui_css();
std::string_view redoc_js();

}  // namespace ov::api::docs_assets
