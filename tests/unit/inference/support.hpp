#pragma once
// Shared helpers of the inference tests: paths, files, the default model.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "inference/engine.hpp"

namespace ov::inference::test {

inline std::filesystem::path source_dir() {
  return OV_SOURCE_DIR;
}
inline std::filesystem::path darknet(const std::string& name) {
  return std::filesystem::path("/usr/share/darknet/data") / name;
}
inline std::filesystem::path default_model_dir() {
  return source_dir() / "models";
}

inline std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

inline void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& b) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// A fresh temporary folder, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ov-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes the planted-output test models (tests/data/make_test_models.py) into `dir`.
inline void make_test_models(const std::filesystem::path& dir) {
  const std::string cmd = "/usr/bin/python3 " +
                          (source_dir() / "tests/data/make_test_models.py").string() + " " +
                          dir.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

// The same models, written once per version of the script and shared by the test processes
// (ctest runs each test in its own process): a folder under the temporary directory.
inline std::filesystem::path shared_test_models() {
  namespace fs = std::filesystem;
  const fs::path script = source_dir() / "tests/data/make_test_models.py";
  const auto stamp = fs::last_write_time(script).time_since_epoch().count() ^
                     static_cast<long long>(fs::file_size(script));
  const fs::path dir = fs::temp_directory_path() / ("ov-test-models-" + std::to_string(stamp));
  if (fs::exists(dir / "yolov8.onnx")) return dir;
  TempDir fresh;
  make_test_models(fresh.path() / "m");
  std::error_code ec;
  fs::rename(fresh.path() / "m", dir, ec);  // atomic; a concurrent writer may have won
  return dir;
}

// The bundled default model; the setup (scripts/setup-npm.sh) must have converted it.
inline std::unique_ptr<Engine> load_default_engine(EngineSettings settings = {}) {
  settings.models_dir = default_model_dir().string();
  settings.intra_threads = 2;
  auto engine = Engine::load(settings);
  EXPECT_TRUE(engine.ok()) << (engine.ok() ? "" : engine.error().message)
                           << " (run scripts/setup.sh first)";
  return engine.ok() ? std::move(engine.value()) : nullptr;
}

}  // namespace ov::inference::test
