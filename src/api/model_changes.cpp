#include "api/model_changes.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "core/host.hpp"
#include "events/bus.hpp"
#include "inference/engine.hpp"

namespace ov::api {

namespace {

// One change heard from elsewhere, done to this process's engine. "Already so" is success: a
// process that started after the change read it from the directory or the configuration.
Result<void> follow(inference::Engine& engine, const events::ModelsChanged& c) {
  auto already = [](const Error& e, Errc same) { return e.code == same; };
  if (c.action == "load") {
    auto r = engine.load_model(c.name);
    if (r || already(r.error(), Errc::conflict)) return {};
    return r.error();
  }
  if (c.action == "reload") {
    if (auto r = engine.reload_model(c.name); !r) return r.error();
    return {};
  }
  if (c.action == "unload") {
    auto r = engine.unload_model(c.name);
    if (r || already(r.error(), Errc::not_found)) return {};
    return r;
  }
  if (c.action == "alias") return engine.set_alias(c.name, c.model);
  if (c.action == "unalias") {
    auto r = engine.remove_alias(c.name);
    if (r || already(r.error(), Errc::not_found)) return {};
    return r;
  }
  return Error{Errc::invalid_argument, fmt::format("unknown action '{}'", c.action)};
}

}  // namespace

// The thread that does the changes heard on the bus, one at a time, in the order heard.
struct ModelChanges::Follower {
  Follower(inference::Engine& engine, std::string origin) : engine(engine), origin(origin) {
    thread = std::thread([this] { run(); });
  }
  ~Follower() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    wake.notify_all();
    thread.join();
  }

  void hear(const events::ModelsChanged& change) {
    if (change.origin == origin) return;  // done already, by the request that made it
    {
      std::lock_guard lock(mutex);
      pending.push_back(change);
    }
    wake.notify_all();
  }

  void run() {
    std::unique_lock lock(mutex);
    while (true) {
      wake.wait(lock, [&] { return stopping || !pending.empty(); });
      if (stopping) return;
      events::ModelsChanged change = std::move(pending.front());
      pending.pop_front();
      lock.unlock();
      auto done = follow(engine, change);
      if (done) {
        ++followed;
        spdlog::info("models: did {} {}{} as {} did", change.action, change.name,
                     change.model.empty() ? "" : " -> " + change.model, change.origin);
      } else {
        ++failures;
        spdlog::error("models: could not {} {} as {} did: {}", change.action, change.name,
                      change.origin, done.error().message);
      }
      lock.lock();
    }
  }

  inference::Engine& engine;
  const std::string origin;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<events::ModelsChanged> pending;
  bool stopping = false;
  std::atomic<std::uint64_t> followed{0}, failures{0};
  std::unique_ptr<events::Subscription> subscription;  // reset by ~ModelChanges, first
  std::thread thread;
};

ModelChanges::ModelChanges(inference::Engine& engine, events::Bus& bus)
    : engine_(engine),
      bus_(bus),
      origin_(fmt::format("{}:{}", host_name(), ::getpid())),
      follower_(std::make_unique<Follower>(engine, origin_)) {
  follower_->subscription = bus.subscribe([f = follower_.get()](const events::Event& e) {
    if (const auto* change = std::get_if<events::ModelsChanged>(&e.what)) f->hear(*change);
  });
}

ModelChanges::~ModelChanges() {
  follower_->subscription.reset();  // no handler runs after this
}

void ModelChanges::publish(const std::string& action, const std::string& name,
                           const std::string& model) {
  bus_.publish(events::Event{"", events::ModelsChanged{action, name, model, origin_}});
}

Result<inference::ModelInfo> ModelChanges::load(const std::string& name) {
  auto r = engine_.load_model(name);
  if (r) publish("load", name, "");
  return r;
}

Result<inference::ModelInfo> ModelChanges::reload(const std::string& name) {
  auto r = engine_.reload_model(name);
  if (r) publish("reload", name, "");
  return r;
}

Result<void> ModelChanges::unload(const std::string& name) {
  auto r = engine_.unload_model(name);
  if (r) publish("unload", name, "");
  return r;
}

Result<void> ModelChanges::set_alias(const std::string& alias, const std::string& model) {
  auto r = engine_.set_alias(alias, model);
  if (r) publish("alias", alias, model);
  return r;
}

Result<void> ModelChanges::remove_alias(const std::string& alias) {
  auto r = engine_.remove_alias(alias);
  if (r) publish("unalias", alias, "");
  return r;
}

std::uint64_t ModelChanges::followed() const {
  return follower_->followed.load();
}

std::uint64_t ModelChanges::follow_failures() const {
  return follower_->failures.load();
}

}  // namespace ov::api
