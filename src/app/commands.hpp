#pragma once
// The `objectvision` subcommands. Each returns the process exit code:
// 0 success, 1 failure, 2 invalid configuration or usage.
#include <optional>
#include <string>

#include "config/config.hpp"
#include "core/version.hpp"

namespace ov::app {

using ov::kVersion;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitConfig = 2;

int serve(config::Config config);
int run_worker(config::Config config);
int run_scheduler(config::Config config);

int migrate_up(const config::Config& config);
int migrate_down(const config::Config& config, int steps);
int migrate_status(const config::Config& config);

struct NewUserArgs {
  std::string email;
  std::string password;
  std::string name;
  bool admin = false;
};
int user_create(const config::Config& config, const NewUserArgs& args);

int config_check(const config::Config& config);

// The OpenAPI document of the API this configuration serves, to `output` ("-": stdout).
int write_openapi(config::Config config, const std::string& output);

// The embedded database: a backup now (DATA_DIR/backups, or `dest`); a restore from a backup
// (stop the service first), then pending migrations.
int backup(const config::Config& config, const std::string& dest);
int restore(const config::Config& config, const std::string& source);

}  // namespace ov::app
