#pragma once
// Handlers grouped by key, safe to add and remove while events are being delivered
// (internal to ov_events).
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cache/log_throttle.hpp"
#include "events/bus.hpp"

namespace ov::events::detail {

class HandlerSet : public std::enable_shared_from_this<HandlerSet> {
 public:
  std::unique_ptr<Subscription> add(const std::string& key, Handler handler);
  // Calls every handler of `key` that is still subscribed, one after another, on this thread.
  void deliver(const std::string& key, const Event& event);
  std::size_t count(const std::string& key) const;

 private:
  struct Entry {
    Entry(std::string k, Handler h) : key(std::move(k)), handler(std::move(h)) {}
    const std::string key;
    const Handler handler;
    std::atomic<bool> active{true};
  };
  class Token;
  void remove(const std::shared_ptr<Entry>& entry);
  void call(Entry& entry, const Event& event);

  mutable std::mutex registry_mutex_;
  std::unordered_map<std::string, std::vector<std::shared_ptr<Entry>>> entries_;
  // Held for the whole delivery of one event; recursive so that a handler may deliver again.
  std::recursive_mutex delivery_mutex_;
  std::atomic<std::thread::id> delivering_{};  // the thread inside deliver(), if any
  cache::LogThrottle handler_errors_;
};

}  // namespace ov::events::detail
