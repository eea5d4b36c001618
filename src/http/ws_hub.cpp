#include "http/ws_hub.hpp"

namespace ov::http {

bool WsHub::add(const std::string& user_id, const std::shared_ptr<WsConnection>& connection) {
  std::lock_guard lock(mu_);
  if (max_per_user_ > 0) {
    std::size_t live = 0;
    auto [first, last] = by_user_.equal_range(user_id);
    for (auto it = first; it != last;) {
      if (it->second.expired()) {
        it = by_user_.erase(it);
      } else {
        ++live;
        ++it;
      }
    }
    if (live >= max_per_user_) return false;
  }
  by_user_.emplace(user_id, connection);
  return true;
}

void WsHub::remove(const std::string& user_id, const WsConnection* connection) {
  std::lock_guard lock(mu_);
  auto [first, last] = by_user_.equal_range(user_id);
  for (auto it = first; it != last;) {
    auto live = it->second.lock();
    if (!live || live.get() == connection) {
      it = by_user_.erase(it);
    } else {
      ++it;
    }
  }
}

std::vector<std::shared_ptr<WsConnection>> WsHub::live_of(const std::string& user_id) {
  std::vector<std::shared_ptr<WsConnection>> targets;
  std::lock_guard lock(mu_);
  auto [first, last] = by_user_.equal_range(user_id);
  for (auto it = first; it != last; ++it) {
    if (auto live = it->second.lock()) targets.push_back(std::move(live));
  }
  return targets;
}

void WsHub::deliver(const std::string& user_id, const std::string& text) {
  for (auto& t : live_of(user_id)) t->send(text);
}

void WsHub::end_sessions(const std::string& user_id, const SessionEnd& end) {
  for (auto& t : live_of(user_id)) t->end_session(end);
}

void WsHub::close_all() {
  std::vector<std::shared_ptr<WsConnection>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [user, weak] : by_user_) {
      if (auto live = weak.lock()) all.push_back(std::move(live));
    }
  }
  for (auto& c : all) c->close();
}

std::size_t WsHub::size() const {
  std::lock_guard lock(mu_);
  return by_user_.size();
}

}  // namespace ov::http
