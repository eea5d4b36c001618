#pragma once
// Changes of the models, made by an admin on one process and done by every process: the node
// that got the request applies it to its own engine and answers with the result, then tells the
// others over the event bus; each of them (API nodes and `objectvision worker`s alike) applies
// it on a thread of its own, since a load takes seconds and the bus thread must not wait.
// A process that starts later reads MODELS_DIR and MODEL_ALIASES, as at any start.
#include <memory>
#include <string>

#include "core/error.hpp"
#include "inference/types.hpp"

namespace ov::inference {
class Engine;
}
namespace ov::events {
class Bus;
}

namespace ov::api {

class ModelChanges {
 public:
  // Follows the changes the other processes publish until destroyed.
  ModelChanges(inference::Engine& engine, events::Bus& bus);
  ~ModelChanges();
  ModelChanges(const ModelChanges&) = delete;
  ModelChanges& operator=(const ModelChanges&) = delete;

  // Done here first; published only when done. Errors: the engine's (inference/engine.hpp).
  Result<inference::ModelInfo> load(const std::string& name);
  Result<inference::ModelInfo> reload(const std::string& name);
  Result<void> unload(const std::string& name);
  Result<void> set_alias(const std::string& alias, const std::string& model);
  Result<void> remove_alias(const std::string& alias);

  // Changes heard from other processes and done here, and those that failed here.
  std::uint64_t followed() const;
  std::uint64_t follow_failures() const;

  struct Follower;

 private:
  void publish(const std::string& action, const std::string& name, const std::string& model);

  inference::Engine& engine_;
  events::Bus& bus_;
  const std::string origin_;
  std::unique_ptr<Follower> follower_;
};

}  // namespace ov::api
