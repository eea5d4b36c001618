#pragma once
// Live events to WebSocket clients: the hub knows which connections belong to which user and
// delivers each event to that user's connections only; it closes the connections of tokens
// that were revoked. Thread-safe; no Beast here.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/session.hpp"

namespace ov::http {

using SessionEnd = ov::SessionEnd;

class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual void send(std::string text) = 0;  // queued; never blocks
  virtual void close() = 0;                 // a "going away" close
  // Closes with 4401 when the connection was opened by a token that `end` ends.
  virtual void end_session(const SessionEnd& end) = 0;
};

class WsHub {
 public:
  explicit WsHub(std::size_t max_per_user = 0) : max_per_user_(max_per_user) {}
  // False (nothing added) when the user has max_per_user connections already (0: no cap).
  bool add(const std::string& user_id, const std::shared_ptr<WsConnection>& connection);
  void remove(const std::string& user_id, const WsConnection* connection);
  void deliver(const std::string& user_id, const std::string& text);
  void end_sessions(const std::string& user_id, const SessionEnd& end);
  void close_all();
  std::size_t size() const;

 private:
  std::vector<std::shared_ptr<WsConnection>> live_of(const std::string& user_id);

  const std::size_t max_per_user_;
  mutable std::mutex mu_;
  std::unordered_multimap<std::string, std::weak_ptr<WsConnection>> by_user_;
};

}  // namespace ov::http
