#include "inference/model_repository.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

namespace ov::inference {
namespace fs = std::filesystem;

namespace {

std::string first_existing(std::initializer_list<fs::path> candidates) {
  for (const auto& p : candidates) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return {};
}

bool is_number(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The highest numeric version folder holding a model.onnx, or "" when none.
std::string latest_version(const fs::path& dir) {
  std::string best;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string v = entry.path().filename().string();
    if (!is_number(v) || !fs::is_regular_file(entry.path() / "model.onnx", ec)) continue;
    if (best.empty() || v.size() > best.size() || (v.size() == best.size() && v > best)) best = v;
  }
  return best;
}

}  // namespace

Result<std::vector<ModelEntry>> discover_models(const EngineSettings& settings) {
  std::vector<ModelEntry> found;
  std::error_code ec;
  if (!settings.model_path.empty()) {
    fs::path file(settings.model_path);
    if (!fs::is_regular_file(file, ec)) {
      return Error{Errc::unavailable,
                   fmt::format("MODEL_PATH '{}' is not a readable file", settings.model_path)};
    }
    ModelEntry e;
    e.path = file.string();
    e.name = file.stem().string();
    e.version = "1";
    // models/<name>/<version>/model.onnx named through MODEL_PATH keeps its name and version.
    if (e.name == "model" && file.has_parent_path() && is_number(file.parent_path().filename())) {
      e.version = file.parent_path().filename().string();
      e.name = file.parent_path().parent_path().filename().string();
    }
    e.config_path = first_existing({fs::path(file).replace_extension(".json"),
                                    file.parent_path() / "config.json",
                                    file.parent_path().parent_path() / "config.json"});
    found.push_back(std::move(e));
    return found;
  }
  const fs::path root(settings.models_dir);
  if (!fs::is_directory(root, ec)) {
    return Error{Errc::unavailable,
                 fmt::format("no model directory '{}': run `make setup` to fetch the default "
                             "model, or set MODEL_PATH to an .onnx file",
                             settings.models_dir)};
  }
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    const fs::path p = entry.path();
    if (entry.is_regular_file(ec) && p.extension() == ".onnx") {
      found.push_back(ModelEntry{p.stem().string(), "1", p.string(),
                                 first_existing({fs::path(p).replace_extension(".json")})});
    } else if (entry.is_directory(ec)) {
      std::string version = latest_version(p);
      if (version.empty()) continue;
      found.push_back(ModelEntry{p.filename().string(), version,
                                 (p / version / "model.onnx").string(),
                                 first_existing({p / version / "config.json", p / "config.json"})});
    }
  }
  if (found.empty()) {
    return Error{Errc::unavailable,
                 fmt::format("no model in '{}' (expected <name>/<version>/model.onnx): run `make "
                             "setup` to fetch the default model, or set MODEL_PATH",
                             settings.models_dir)};
  }
  std::sort(found.begin(), found.end(),
            [](const ModelEntry& a, const ModelEntry& b) { return a.name < b.name; });
  return found;
}

}  // namespace ov::inference
