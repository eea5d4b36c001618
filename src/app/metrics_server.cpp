#include "app/metrics_server.hpp"

#include <thread>

#include <spdlog/spdlog.h>

#include "api/metrics_routes.hpp"
#include "http/middleware.hpp"
#include "http/pipeline.hpp"
#include "http/server.hpp"

namespace ov::app {

struct MetricsServer::Parts {
  http::Router router;
  http::Pipeline pipeline{router, http::Cors({}), nullptr, http::Authenticator{}};
  std::unique_ptr<http::Server> server;
  std::thread thread;
};

Result<std::unique_ptr<MetricsServer>> MetricsServer::start(const config::Config& c) {
  if (c.metrics_port == 0) return std::unique_ptr<MetricsServer>();
  auto parts = std::make_unique<Parts>();
  api::register_metrics_route(parts->router, c.metrics_token);
  http::ServerOptions options;
  options.host = c.host;
  options.port = c.metrics_port;
  options.io_threads = 1;
  options.worker_threads = 1;
  options.blocking_queue_max = 8;
  options.max_connections = 64;
  options.max_body_bytes = 0;
  options.request_timeout_s = 10;
  options.shutdown_grace_s = 2;
  options.report_metrics = false;  // the API's server reports its own
  parts->server = std::make_unique<http::Server>(options, parts->pipeline);
  if (auto r = parts->server->listen(); !r) {
    return Error{r.error().code, "METRICS_PORT: " + r.error().message};
  }
  http::Server* server = parts->server.get();
  parts->thread = std::thread([server] { server->run(); });
  spdlog::info("metrics on http://{}:{}/metrics", c.host, server->port());
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(parts)));
}

MetricsServer::MetricsServer(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

MetricsServer::~MetricsServer() {
  parts_->server->stop();
  if (parts_->thread.joinable()) parts_->thread.join();
}

int MetricsServer::port() const {
  return parts_->server->port();
}

}  // namespace ov::app
