#pragma once
// METRICS_PORT: GET /metrics on a port of its own (for `serve` and for `objectvision worker`),
// served by a small HTTP server on its own thread, apart from the API's port and limits.
#include <memory>

#include "config/config.hpp"
#include "core/error.hpp"

namespace ov::app {

class MetricsServer {
 public:
  // Listening on METRICS_PORT, or null when it is 0 (then serve answers /metrics on PORT).
  static Result<std::unique_ptr<MetricsServer>> start(const config::Config& config);
  ~MetricsServer();  // stops and waits for its thread
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;
  int port() const;

  struct Parts;

 private:
  explicit MetricsServer(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace ov::app
