#include "events/handler_set.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

namespace ov::events::detail {

class HandlerSet::Token final : public Subscription {
 public:
  Token(std::weak_ptr<HandlerSet> set, std::shared_ptr<Entry> entry)
      : set_(std::move(set)), entry_(std::move(entry)) {}
  ~Token() override {
    if (auto set = set_.lock()) {
      set->remove(entry_);
    } else {
      entry_->active.store(false);  // nobody can deliver any more
    }
  }

 private:
  std::weak_ptr<HandlerSet> set_;
  std::shared_ptr<Entry> entry_;
};

std::unique_ptr<Subscription> HandlerSet::add(const std::string& key, Handler handler) {
  auto entry = std::make_shared<Entry>(key, std::move(handler));
  {
    std::lock_guard lock(registry_mutex_);
    entries_[key].push_back(entry);
  }
  return std::make_unique<Token>(weak_from_this(), std::move(entry));
}

void HandlerSet::remove(const std::shared_ptr<Entry>& entry) {
  {
    std::lock_guard lock(registry_mutex_);
    auto it = entries_.find(entry->key);
    if (it != entries_.end()) {
      auto& list = it->second;
      list.erase(std::remove(list.begin(), list.end(), entry), list.end());
      if (list.empty()) entries_.erase(it);
    }
  }
  entry->active.store(false);
  // A delivery that already holds the mutex may be inside this very handler: wait for it to
  // end, unless that delivery runs on this thread (the handler unsubscribes itself).
  if (delivering_.load() != std::this_thread::get_id()) {
    std::lock_guard wait(delivery_mutex_);
  }
}

void HandlerSet::deliver(const std::string& key, const Event& event) {
  std::vector<std::shared_ptr<Entry>> snapshot;
  {
    std::lock_guard lock(registry_mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    snapshot = it->second;
  }
  std::lock_guard delivering(delivery_mutex_);
  std::thread::id previous = delivering_.exchange(std::this_thread::get_id());
  for (const auto& entry : snapshot) {
    if (entry->active.load()) call(*entry, event);
  }
  delivering_.store(previous);
}

void HandlerSet::call(Entry& entry, const Event& event) {
  std::string why;
  try {
    entry.handler(event);
    return;
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "unknown exception";
  }
  if (auto held_back = handler_errors_.admit()) {
    spdlog::error("event bus: a handler threw: {}; {} more since the last report", why, *held_back);
  }
}

std::size_t HandlerSet::count(const std::string& key) const {
  std::lock_guard lock(registry_mutex_);
  auto it = entries_.find(key);
  return it == entries_.end() ? 0 : it->second.size();
}

}  // namespace ov::events::detail
