#pragma once
// The HTTP/1.1 server on Boost.Beast: keep-alive, limits, timeouts, graceful shutdown on
// SIGTERM / SIGINT (stop accepting, close idle connections, finish in-flight requests).
// Beast stays inside server.cpp.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "http/client_address.hpp"

namespace ov::http {

class Pipeline;
class WsHub;

struct ServerOptions {
  std::string host = "0.0.0.0";
  int port = 8000;  // 0 picks a free port
  int io_threads = 1;
  int worker_threads = 8;  // the blocking pool: what may block (the database, Argon2, Redis)
  // Requests queued or running on the blocking pool at most; beyond, 503 with Retry-After.
  int blocking_queue_max = 256;
  std::size_t max_body_bytes = 10 * 1024 * 1024;
  std::size_t max_header_bytes = 16 * 1024;
  int max_connections = 1024;  // HTTP and WebSocket; beyond it a new connection gets 503
  int request_timeout_s = 30;  // the request line and headers; a response's write; body idle
  // A body must keep arriving at this many bytes a second on average, after the grace period
  // (0: only the idle timeout above). A request too slow gets 408.
  double min_upload_bytes_per_s = 16 * 1024;
  int upload_grace_s = 10;
  int keepalive_timeout_s = 60;       // waiting for the next request on a kept-alive connection
  int shutdown_grace_s = 25;          // in-flight requests get this long after SIGTERM
  std::vector<Cidr> trusted_proxies;  // whose Forwarded / X-Forwarded-For name the client
  WsHub* ws_hub = nullptr;            // WebSocket upgrades on ws_path go here (none: none)
  std::string ws_path = "/api/v1/ws";
  int ws_recheck_s = 60;  // how often an open WebSocket's token is checked again
  // Its connections, requests in flight and blocking pool in the process's metrics (one
  // server per process does: a second one, for METRICS_PORT, does not).
  bool report_metrics = true;
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
