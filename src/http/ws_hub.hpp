#pragma once
// Live events to WebSocket clients: the hub knows which connections belong to which user and
// delivers each event to that user's connections only. Thread-safe; no Beast here.
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace ov::http {

class WsConnection {
 public:
  virtual ~WsConnection() = default;
  virtual void send(std::string text) = 0;  // queued; never blocks
  virtual void close() = 0;                 // a "going away" close
};

class WsHub {
 public:
  void add(const std::string& user_id, const std::shared_ptr<WsConnection>& connection);
  void remove(const std::string& user_id, const WsConnection* connection);
  void deliver(const std::string& user_id, const std::string& text);
  void close_all();
  std::size_t size() const;

 private:
  mutable std::mutex mu_;
  std::unordered_multimap<std::string, std::weak_ptr<WsConnection>> by_user_;
};

}  // namespace ov::http
