#pragma once
// The HTTP/1.1 server on Boost.Beast: keep-alive, limits, timeouts, graceful shutdown on
// SIGTERM / SIGINT (stop accepting, close idle connections, finish in-flight requests).
// Beast stays inside server.cpp.
#include <cstddef>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace ov::http {

class Pipeline;
class WsHub;

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8000;  // 0 picks a free port
  int io_threads = 1;
  int worker_threads = 8;  // the pool that runs the pipeline (handlers may block)
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  int request_timeout_s = 30;    // reading one request, writing one response
  int keepalive_timeout_s = 60;  // waiting for the next request on a kept-alive connection
  int shutdown_grace_s = 25;     // in-flight requests get this long after SIGTERM
  WsHub* ws_hub = nullptr;       // WebSocket upgrades on ws_path go here (none: no WebSocket)
  std::string ws_path = "/api/v1/ws";
};

class Server {
 public:
  Server(ServerOptions options, const Pipeline& pipeline);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  Result<void> listen();  // binds and listens; errors name the address
  int port() const;       // the bound port
  void run();             // serves until SIGTERM / SIGINT or stop(), then drains
  void stop();            // starts the same graceful shutdown as a signal

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ov::http
