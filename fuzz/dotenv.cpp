// The .env parser, and the configuration loader over what it read (as `serve` does with the
// files of its working directory). Input: a .env file.
#include <string>

#include "config/config.hpp"
#include "fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(ov::fuzz::as_text(data, size));
  ov::config::Vars vars = ov::config::parse_dotenv(text);
  for (const auto& [key, value] : vars) {
    FUZZ_CHECK(!key.empty(), value);
    FUZZ_CHECK(key.front() != ' ' && key.front() != '\t' && key.back() != ' ' && key.back() != '\t',
               key);
    FUZZ_CHECK(key.find('\n') == std::string::npos, key);
  }
  // Parsing is independent of what came before: the same text gives the same variables.
  FUZZ_CHECK(ov::config::parse_dotenv(text) == vars, "not deterministic");

  auto config = ov::config::load(vars);
  if (config) {
    FUZZ_CHECK(!config->data_dir.empty(), "DATA_DIR empty");
    FUZZ_CHECK(config->io_threads >= 1, "IO_THREADS below 1");
    FUZZ_CHECK(config->max_body_bytes() > 0, "MAX_UPLOAD_MB gives no bytes");
    (void)ov::config::describe(*config);
  } else {
    FUZZ_CHECK(!config.error().message.empty(), "an error without a message");
  }
  return 0;
}
