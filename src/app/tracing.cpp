#include "app/tracing.hpp"

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "app/commands.hpp"
#include "core/host.hpp"
#include "core/ids.hpp"
#include "obs/trace.hpp"

namespace ov::app {

TracingGuard::TracingGuard(const config::Config& c, std::string_view role) {
  if (c.otel_traces_endpoint.empty()) return;
  obs::TracingSettings s;
  s.endpoint = c.otel_traces_endpoint;
  for (const auto& [name, value] : c.otel_headers) s.headers[name] = value;
  // The resource: who sent the spans. OTEL_RESOURCE_ATTRIBUTES first; ours are not overridden
  // by it, except that service.name follows OTEL_SERVICE_NAME's rules (config/load.cpp).
  s.resource.push_back({"service.name", c.otel_service_name});
  s.resource.push_back({"service.version", std::string(kVersion)});
  s.resource.push_back({"service.instance.id", new_uuid()});
  s.resource.push_back({"host.name", host_name()});
  s.resource.push_back({"process.pid", static_cast<std::int64_t>(::getpid())});
  s.resource.push_back({"objectvision.role", std::string(role)});
  for (const auto& [key, value] : c.otel_resource_attributes) {
    bool ours = false;
    for (const auto& a : s.resource) ours = ours || a.key == key;
    if (!ours) s.resource.push_back({key, value});
  }
  s.sampler = c.otel_sampler;
  s.sampler_ratio = c.otel_sampler_arg;
  s.schedule_delay = std::chrono::milliseconds(c.otel_schedule_delay_ms);
  s.max_queue = static_cast<std::size_t>(c.otel_max_queue_size);
  s.max_batch = static_cast<std::size_t>(c.otel_max_export_batch_size);
  s.export_timeout = std::chrono::milliseconds(c.otel_export_timeout_ms);
  spdlog::info("tracing: spans go to {} as service {} (sampler {})", s.endpoint,
               c.otel_service_name, s.sampler);
  obs::init_tracing(std::move(s));
}

TracingGuard::~TracingGuard() {
  obs::shutdown_tracing();
}

}  // namespace ov::app
