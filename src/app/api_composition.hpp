#pragma once
// The API of one process over its runtime: password hashing, tokens and their blacklist, rate
// limits, the caches, the services handlers reach, and the route table. Built by `serve` and by
// `objectvision openapi` (which documents the very same routes).
#include <memory>

#include "api/caches.hpp"
#include "api/detection_services.hpp"
#include "api/job_waiter.hpp"
#include "api/recent_frames.hpp"
#include "api/services.hpp"
#include "auth/blacklist.hpp"
#include "auth/jwt.hpp"
#include "auth/password.hpp"
#include "cache/rate_limiter.hpp"
#include "http/router.hpp"
#include "inference/slots.hpp"

namespace ov::app {

struct Runtime;

class ApiComposition {
 public:
  // Every route but /metrics, which the caller adds on PORT when METRICS_PORT is unset; the
  // docs routes document what is registered by the time /openapi.json is first asked for.
  explicit ApiComposition(Runtime& rt);
  ApiComposition(const ApiComposition&) = delete;
  ApiComposition& operator=(const ApiComposition&) = delete;

  http::Router& router() { return router_; }
  api::Services& services() { return services_; }
  api::Caches& caches() { return caches_; }
  cache::RateLimiter& limiter() { return *limiter_; }

 private:
  auth::PasswordHasher hasher_;
  auth::JwtCodec jwt_;
  std::unique_ptr<auth::AccessBlacklist> blacklist_;
  std::unique_ptr<cache::RateLimiter> limiter_;
  api::Caches caches_;
  api::JobWaiter waiter_;
  api::RecentFrames frames_;  // before the slots: their last works still complete frames
  inference::Slots slots_;
  api::Services services_;
  api::DetectionServices detection_;
  http::Router router_;
};

}  // namespace ov::app
