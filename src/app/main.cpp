// objectvision: the one binary. Loads the configuration, then runs a subcommand.
#include <malloc.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include <CLI/CLI.hpp>

#include "app/commands.hpp"
#include "app/runtime.hpp"
#include "inference/cli.hpp"
#include "inference/decoder_limit.hpp"

extern char** environ;

namespace {

// CLI11 answers `--help` before it checks the words before it: `objectvision srve --help`
// printed the general help and exited 0. The leading words must name commands, each inside
// the one before, as long as that one has commands of its own.
void refuse_unknown_commands(const CLI::App& app, int argc, char** argv) {
  const CLI::App* current = &app;
  for (int i = 1; i < argc && argv[i][0] != '-'; ++i) {
    if (current->get_subcommands([](const CLI::App*) { return true; }).empty()) return;
    try {
      current = current->get_subcommand(argv[i]);
    } catch (const CLI::OptionNotFound&) {
      throw CLI::ExtrasError({argv[i]});
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ov;
  // glibc gives threads up to 8 malloc arenas per core, each reserving 64 MiB of address
  // space: a process of many short-lived threads grows its virtual size in steps of 64 MiB,
  // which an address-space or container limit (and the memory budget of an image, read from
  // them) then sees as used. Four arenas serve two cores' worth of allocating threads.
  ::mallopt(M_ARENA_MAX, 4);
  auto loaded = config::load(config::read_vars(".", environ));
  if (loaded) {
    // OpenCV reads its own decoder pixel limit once, when its library loads: the limit has to
    // be in the environment the process starts with, so this re-executes the program (same pid,
    // same arguments) with it set, once. See inference/decoder_limit.hpp.
    auto pinned = inference::pin_decoder_pixel_limit(loaded.value().max_image_pixels, argv);
    if (!pinned) std::cerr << "objectvision: warning: " << pinned.error().message << "\n";
  }

  CLI::App app{
      "ObjectVision: a self-hostable object-detection platform.\n"
      "Configuration comes from the environment and .env / .env.<ENVIRONMENT>."};
  app.require_subcommand(1);
  int rc = 0;
  // Commands that need a valid configuration say so; `version` and `--help` do not.
  auto with_config = [&](auto&& fn) {
    return [&, fn] {
      if (!loaded) {
        std::cerr << "objectvision: invalid configuration: " << loaded.error().message << "\n";
        rc = app::kExitConfig;
        return;
      }
      rc = fn(loaded.value());
    };
  };

  app.add_subcommand("version", "Print the version")->callback([] {
    std::printf("objectvision %s\n", app::kVersion);
  });

  app.add_subcommand("serve", "Run the HTTP API server")
      ->callback(with_config([](const config::Config& c) { return app::serve(c); }));

  app.add_subcommand("worker", "Run a detection worker (scaled out: any number, any node)")
      ->callback(with_config([](const config::Config& c) { return app::run_worker(c); }));

  app.add_subcommand("scheduler",
                     "Run the scheduled tasks alone (for serve nodes with SCHEDULER=off)")
      ->callback(with_config([](const config::Config& c) { return app::run_scheduler(c); }));

  auto* migrate = app.add_subcommand("migrate", "Apply, revert or list database migrations");
  migrate->require_subcommand(1);
  migrate->add_subcommand("up", "Apply every pending migration")
      ->callback(with_config([](const config::Config& c) { return app::migrate_up(c); }));
  int steps = 1;
  auto* down = migrate->add_subcommand("down", "Revert the newest N migrations (default 1)");
  down->add_option("N", steps, "How many to revert")->check(CLI::PositiveNumber);
  down->callback(
      with_config([&steps](const config::Config& c) { return app::migrate_down(c, steps); }));
  migrate->add_subcommand("status", "List every migration: applied or pending")
      ->callback(with_config([](const config::Config& c) { return app::migrate_status(c); }));
  migrate->add_subcommand("history", "The same list, with when each was applied")
      ->callback(with_config([](const config::Config& c) { return app::migrate_status(c); }));

  auto* user = app.add_subcommand("user", "Manage users");
  user->require_subcommand(1);
  app::NewUserArgs new_user;
  auto* create = user->add_subcommand("create", "Create a user (prints its id)");
  create->add_option("--email", new_user.email, "Email address")->required();
  create
      ->add_option("--password", new_user.password,
                   "Password (or the environment variable OV_PASSWORD)")
      ->envname("OV_PASSWORD")
      ->required();
  create->add_option("--name", new_user.name, "Display name");
  create->add_flag("--admin", new_user.admin, "Give the user the admin role");
  create->callback(
      with_config([&new_user](const config::Config& c) { return app::user_create(c, new_user); }));

  auto* cfg = app.add_subcommand("config", "Inspect the configuration");
  cfg->require_subcommand(1);
  cfg->add_subcommand("check", "Validate and print the effective configuration, secrets masked")
      ->callback(with_config([](const config::Config& c) { return app::config_check(c); }));

  std::string openapi_to = "-";
  auto* openapi = app.add_subcommand(
      "openapi", "Write the OpenAPI document (what /openapi.json serves) for client generators");
  openapi->add_option("-o,--output", openapi_to, "The file to write (default: stdout)");
  openapi->callback(with_config(
      [&openapi_to](const config::Config& c) { return app::write_openapi(c, openapi_to); }));

  std::string backup_to;
  auto* backup = app.add_subcommand(
      "backup", "Back the embedded SQLite database up while it runs (prints the file)");
  backup->add_option("--to", backup_to, "The file to write (default: DATA_DIR/backups/...)");
  backup->callback(
      with_config([&backup_to](const config::Config& c) { return app::backup(c, backup_to); }));

  std::string restore_from;
  auto* restore = app.add_subcommand(
      "restore", "Replace the embedded database with a backup (stop the service first)");
  restore->add_option("file", restore_from, "A file made by `objectvision backup`")->required();
  restore->callback(with_config(
      [&restore_from](const config::Config& c) { return app::restore(c, restore_from); }));

  inference::EngineSettings engine =
      loaded ? app::engine_settings(loaded.value()) : inference::EngineSettings{};
  inference::add_cli_commands(app, engine);

  try {
    refuse_unknown_commands(app, argc, argv);
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return rc;
}
