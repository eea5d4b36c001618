// GET /metrics: the process's metrics in the Prometheus text format, and the service's own
// figures read at scrape time (the queue, the caches).
#include <openssl/crypto.h>

#include <spdlog/spdlog.h>

#include "api/caches.hpp"
#include "api/detection_services.hpp"
#include "api/metrics_routes.hpp"
#include "api/services.hpp"
#include "obs/metrics.hpp"
#include "queue/job_queue.hpp"

namespace ov::api {

namespace {

constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

bool token_matches(const http::Request& request, const std::string& token) {
  auto header = request.headers.get("Authorization");
  if (!header || header->size() < 7) return false;
  std::string_view given = header->substr(7);
  std::string_view scheme = header->substr(0, 7);
  bool bearer =
      scheme.size() == 7 && (scheme[0] == 'B' || scheme[0] == 'b') && scheme.substr(1) == "earer ";
  return bearer && given.size() == token.size() &&
         CRYPTO_memcmp(given.data(), token.data(), token.size()) == 0;
}

}  // namespace

http::Response metrics_response(const http::Request& request, const std::string& token) {
  if (!token.empty() && !token_matches(request, token)) {
    http::Response r =
        http::Response::json(401, R"({"detail":"A valid metrics token is required"})");
    r.headers.set("WWW-Authenticate", "Bearer");
    return r;
  }
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", kExpositionType);
  r.headers.set("Cache-Control", "no-store");
  r.body = obs::metrics().render();
  return r;
}

void register_metrics_route(http::Router& router, const std::string& token) {
  http::RouteDoc doc{
      "Metrics in the Prometheus text format (with METRICS_TOKEN set: "
      "Authorization: Bearer <token>)",
      "health", "",
      R"({"200":{"description":"The exposition","content":{"text/plain":{"schema":{"type":"string"}}}},)"
      R"("401":{"description":"METRICS_TOKEN is set and the request does not carry it","content":{"application/json":{"schema":{"$ref":"#/components/schemas/HTTPError"}}}}})"};
  // The handler checks the token itself (the route is anonymous to the pipeline).
  doc.security = token.empty() ? "[]" : R"([{"metricsToken":[]}])";
  router.add({"GET", "/metrics", http::AuthMode::none, "none", std::move(doc),
              [token](http::Context& c) { return metrics_response(c.request, token); }});
}

std::vector<obs::Registry::Handle> collect_service_metrics(Caches* caches, queue::JobQueue* queue) {
  std::vector<obs::Registry::Handle> handles;
  if (queue != nullptr) {
    handles.push_back(obs::metrics().collect([queue](obs::Exposition& out) {
      auto stats = queue->stats();
      if (!stats) {
        spdlog::warn("metrics: cannot read the queue: {}", stats.error().message);
        return;
      }
      out.family("objectvision_queue_depth", "Jobs waiting in the queue (retries included).",
                 "gauge");
      out.sample(static_cast<double>(stats->depth));
      out.family("objectvision_queue_in_flight", "Jobs leased to a worker.", "gauge");
      out.sample(static_cast<double>(stats->in_flight));
      out.family("objectvision_queue_oldest_age_seconds",
                 "Age of the oldest waiting job (0 when none waits).", "gauge");
      out.sample(stats->oldest_queued_age_s);
    }));
  }
  if (caches != nullptr) {
    handles.push_back(obs::metrics().collect([caches](obs::Exposition& out) {
      const auto s = caches->stats();
      const std::pair<const char*, const cache::CacheStats*> tiers[] = {
          {"tokens", &s.tokens}, {"users", &s.users}, {"jobs", &s.jobs}, {"history", &s.history}};
      out.family("objectvision_cache_hits_total", "Reads answered by an in-process cache.",
                 "counter");
      for (const auto& [name, st] : tiers) out.sample(double(st->hits), {{"cache", name}});
      out.family("objectvision_cache_misses_total", "Reads an in-process cache could not answer.",
                 "counter");
      for (const auto& [name, st] : tiers) out.sample(double(st->misses), {{"cache", name}});
      out.family("objectvision_cache_entries", "Entries held by an in-process cache.", "gauge");
      for (const auto& [name, st] : tiers) out.sample(double(st->size), {{"cache", name}});
      if (s.shared) {
        out.family(
            "objectvision_cache_shared_total",
            "Calls of this process to the caches' Redis tier (scaled): reads that hit, reads that "
            "missed (absent or stale), and calls that failed (the database answered).",
            "counter");
        out.sample(double(s.shared->hits), {{"result", "hit"}});
        out.sample(double(s.shared->misses), {{"result", "miss"}});
        out.sample(double(s.shared->failures), {{"result", "failed"}});
      }
    }));
  }
  return handles;
}

}  // namespace ov::api
