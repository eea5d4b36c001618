#pragma once
// The tracing of one process (serve, worker, scheduler) from its OTEL_* configuration: started
// after logging, stopped by the guard's end (what is queued is sent first).
#include <string_view>

#include "config/config.hpp"

namespace ov::app {

class TracingGuard {
 public:
  TracingGuard(const config::Config& config, std::string_view role);
  ~TracingGuard();
  TracingGuard(const TracingGuard&) = delete;
  TracingGuard& operator=(const TracingGuard&) = delete;
};

}  // namespace ov::app
