#pragma once
// `objectvision detect` and `objectvision models`.
#include "inference/settings.hpp"

namespace CLI {
class App;
}

namespace ov::inference {

// Adds the subcommands; `settings` must live until the program exits.
void add_cli_commands(CLI::App& app, const EngineSettings& settings);

}  // namespace ov::inference
