#include "inference/model_catalog.hpp"

#include <algorithm>

namespace ov::inference {

const LoadedModel* ModelCatalog::find_exact(const std::string& name) const {
  for (const auto& m : models) {
    if (m.info->name == name) return &m;
  }
  return nullptr;
}

const LoadedModel* ModelCatalog::find(const std::string& name) const {
  if (name.empty()) return find_exact(default_name);
  if (const LoadedModel* m = find_exact(name)) return m;
  for (const auto& [alias, model] : aliases) {
    if (alias == name) return find_exact(model.empty() ? default_name : model);
  }
  return nullptr;
}

std::string ModelCatalog::names() const {
  std::string out;
  for (const auto& m : models) out += (out.empty() ? "" : ", ") + m.info->name;
  return out;
}

std::vector<std::string> ModelCatalog::aliases_of(const std::string& model) const {
  std::vector<std::string> out;
  for (const auto& [alias, target] : aliases) {
    if ((target.empty() ? default_name : target) == model) out.push_back(alias);
  }
  return out;
}

void ModelCatalog::put(std::shared_ptr<const Model> model) {
  auto info = std::make_shared<ModelInfo>(model->info());
  info->is_default = info->name == default_name;
  LoadedModel loaded{std::move(model), std::move(info)};
  auto at = std::find_if(models.begin(), models.end(),
                         [&](const LoadedModel& m) { return m.info->name >= loaded.info->name; });
  if (at != models.end() && at->info->name == loaded.info->name) {
    *at = std::move(loaded);
  } else {
    models.insert(at, std::move(loaded));
  }
}

void ModelCatalog::remove(const std::string& name) {
  std::erase_if(models, [&](const LoadedModel& m) { return m.info->name == name; });
}

std::string alias_problem(const ModelCatalog& catalog, const std::string& alias,
                          const std::string& model) {
  const bool plain =
      !alias.empty() && alias.size() <= 64 && std::all_of(alias.begin(), alias.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_' || c == '.';
      });
  if (!plain) {
    return "'" + alias + "' is not a name (1 to 64 letters, digits, '-', '_' or '.')";
  }
  if (catalog.find_exact(alias) != nullptr) {
    return alias + " is the name of a loaded model; an alias needs a name of its own";
  }
  if (!model.empty() && model != "*" && catalog.find_exact(model) == nullptr) {
    return alias + " names the model " + model +
           ", which is not loaded (loaded: " + catalog.names() + ")";
  }
  return {};
}

}  // namespace ov::inference
