#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
  CLI::App app{"ObjectVision: a self-hostable object-detection platform"};
  app.require_subcommand(1);
  app.add_subcommand("version", "Print the version")->callback([] { std::puts("objectvision 0.1.0"); });
  CLI11_PARSE(app, argc, argv);
  return 0;
}
