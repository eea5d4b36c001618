// A stand-alone `detect` / `models` CLI over ov_inference, for development and benchmarks
// until the application wires add_cli_commands into `objectvision`.
#include <CLI/CLI.hpp>
#include <cstdlib>

#include "inference/cli.hpp"
#include "inference/decoder_limit.hpp"
#include "inference/settings.hpp"

int main(int argc, char** argv) {
  ov::inference::EngineSettings settings;
  if (const char* dir = std::getenv("MODELS_DIR")) settings.models_dir = dir;
  if (const char* path = std::getenv("MODEL_PATH")) settings.model_path = path;
  if (const char* conf = std::getenv("CONFIDENCE_THRESHOLD")) settings.confidence = std::stof(conf);
  (void)ov::inference::pin_decoder_pixel_limit(settings.max_pixels, argv);  // re-executes once
  CLI::App app{"ov-detect: the ObjectVision detection engine"};
  app.require_subcommand(1);
  ov::inference::add_cli_commands(app, settings);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
