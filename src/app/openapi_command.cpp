// `objectvision openapi [--output FILE]`: the OpenAPI document of this configuration's API, the
// very document /openapi.json serves, written for client generators (the old service's
// generate_api_docs script). The routes are composed as `serve` composes them, over a
// throw-away in-memory database with no Redis and no mail: nothing of the configured deployment
// is touched (no migration, no connection), only the settings the document shows are kept
// (API_BASE_URL, METRICS_PORT and METRICS_TOKEN, COMPANY_NAME, the models).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "api/metrics_routes.hpp"
#include "api/routes.hpp"
#include "app/api_composition.hpp"
#include "app/commands.hpp"
#include "app/runtime.hpp"
#include "core/ids.hpp"
#include "obs/logging.hpp"

namespace ov::app {
namespace {

// Written next to the target and renamed into place: a reader never sees half a document.
bool write_file(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp-" + random_token(6);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) {
      std::filesystem::remove(temp);
      return false;
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) std::filesystem::remove(temp, ec);
  return !ec;
}

}  // namespace

int write_openapi(config::Config config, const std::string& output) {
  // Logs go to stdout, where the document may go: only errors, which end the command anyway.
  obs::init_logging("error", config.log_format);
  std::error_code ec;
  const auto scratch = std::filesystem::temp_directory_path(ec) /
                       fmt::format("objectvision-openapi-{}-{}", ::getpid(), random_token(6));
  config.data_dir = scratch.string();
  config.database_url = "sqlite://:memory:";
  config.redis_url.clear();
  config.email_transport = "off";
  config.serve_workers = 0;
  if (config.jwt_secret_key.empty()) config.jwt_secret_key = random_token(32);  // never used
  int rc = kExitFailure;
  {
    auto opened = open_runtime(config);
    if (!opened) {
      std::fprintf(stderr, "objectvision openapi: %s\n", opened.error().message.c_str());
    } else {
      ApiComposition composition(**opened);
      if (config.metrics_port == 0) {
        api::register_metrics_route(composition.router(), config.metrics_token);
      }
      std::string document = api::openapi_document(composition.router(), config) + "\n";
      if (output.empty() || output == "-") {
        rc = std::fwrite(document.data(), 1, document.size(), stdout) == document.size() &&
                     std::fflush(stdout) == 0
                 ? 0
                 : kExitFailure;
      } else if (write_file(output, document)) {
        std::fprintf(stderr, "%s\n", output.c_str());
        rc = 0;
      } else {
        std::fprintf(stderr, "objectvision openapi: cannot write %s\n", output.c_str());
      }
    }
  }
  std::filesystem::remove_all(scratch, ec);
  return rc;
}

}  // namespace ov::app
