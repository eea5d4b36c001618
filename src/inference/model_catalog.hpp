#pragma once
// Internal to ov_inference: the engine's models as one immutable snapshot. Detections take the
// current snapshot and keep it (and so their model) until they end; management builds a new one
// and publishes it. Aliases are resolved here, so every caller sees the same names.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "inference/model.hpp"
#include "inference/types.hpp"

namespace ov::inference {

struct LoadedModel {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const ModelInfo> info;  // the model's, with is_default set
};

struct ModelCatalog {
  std::vector<LoadedModel> models;  // by name
  std::string default_name;
  std::vector<std::pair<std::string, std::string>> aliases;  // alias, model ("" = default)

  // By name or alias; empty = the default. Null when there is none.
  const LoadedModel* find(const std::string& name) const;
  const LoadedModel* find_exact(const std::string& name) const;  // names only
  std::string names() const;                                     // "a, b" for messages
  std::vector<std::string> aliases_of(const std::string& model) const;

  // Adds or replaces a model (by name) and sets is_default on every info.
  void put(std::shared_ptr<const Model> model);
  void remove(const std::string& name);
};

// An alias is valid when it is a plain name (letters, digits, - _ .), not a loaded model's
// name, and names a loaded model (empty or "*": the default). Returns the problem, or "".
std::string alias_problem(const ModelCatalog& catalog, const std::string& alias,
                          const std::string& model);

}  // namespace ov::inference
