#pragma once
// GET /metrics (Prometheus text format) and the service's figures read at scrape time.
#include <string>
#include <vector>

#include "http/message.hpp"
#include "http/router.hpp"
#include "obs/metrics.hpp"

namespace ov::queue {
class JobQueue;
}

namespace ov::api {

class Caches;

// The exposition, or 401 when `token` is set and the request does not carry it as a bearer.
http::Response metrics_response(const http::Request& request, const std::string& token);
void register_metrics_route(http::Router& router, const std::string& token);

// Queue depth and age, cache hits and misses, while the handles live (null: not reported).
std::vector<obs::Registry::Handle> collect_service_metrics(Caches* caches, queue::JobQueue* queue);

}  // namespace ov::api
