#pragma once
// Per-user fan-out on one API node: one Bus subscription feeds every WebSocket session, and
// each session hears only its own user's events (instead of every session filtering all).
#include <cstddef>
#include <memory>
#include <string>

#include "events/bus.hpp"

namespace ov::events {

namespace detail {
class HandlerSet;
}

class UserChannels {  // thread-safe
 public:
  UserChannels();
  ~UserChannels();
  UserChannels(const UserChannels&) = delete;
  UserChannels& operator=(const UserChannels&) = delete;

  // Calls `handler` for every event of `user_id` delivered here until the Subscription is
  // destroyed (same guarantees as Bus::subscribe).
  std::unique_ptr<Subscription> subscribe(const std::string& user_id, Handler handler);
  // Hands `event` to the handlers of event.user_id, on the calling thread.
  void deliver(const Event& event);
  // Subscribes to `bus` and delivers its events here until the returned Subscription is
  // destroyed. Safe even if this UserChannels is destroyed first.
  std::unique_ptr<Subscription> attach(Bus& bus);
  std::size_t subscribers(const std::string& user_id) const;

 private:
  std::shared_ptr<detail::HandlerSet> handlers_;
};

}  // namespace ov::events
