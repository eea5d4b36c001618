#include "app/api_composition.hpp"

#include "api/detection_routes.hpp"
#include "app/runtime.hpp"
#include "cache/redis.hpp"
#include "inference/engine.hpp"
#include "jobs/lifecycle.hpp"
#include "storage/database.hpp"

namespace ov::app {
namespace {

api::CacheSettings cache_settings(const config::Config& c) {
  api::CacheSettings s;
  s.capacity = static_cast<std::size_t>(c.cache_capacity);
  if (c.scaled()) {
    // Other nodes write too; their invalidations come over Redis pub/sub, and a lost one is
    // bounded by these shorter lives.
    auto local = std::chrono::milliseconds(static_cast<std::int64_t>(c.cache_local_ttl_s * 1000));
    s.tokens = s.users = s.jobs = s.history = local;
  }
  return s;
}

std::unique_ptr<cache::RateLimiter> rate_limiter(Runtime& rt) {
  // Scaled: shared buckets in Redis, spent a few tokens at a time from memory, so that most
  // requests decide on the I/O thread without a round trip.
  if (rt.redis) return cache::make_leased_rate_limiter(cache::make_redis_rate_limiter(*rt.redis));
  return cache::make_memory_rate_limiter();
}

}  // namespace

ApiComposition::ApiComposition(Runtime& rt)
    : hasher_({rt.config.argon2_ops, rt.config.argon2_memory_kib * 1024}),
      jwt_(rt.config.jwt_secret_key),
      blacklist_(rt.redis ? auth::make_cached_blacklist(rt.db->tokens(), *rt.redis)
                          : auth::make_db_blacklist(rt.db->tokens())),
      limiter_(rate_limiter(rt)),
      caches_(cache_settings(rt.config), rt.shared_cache.get()),
      waiter_(*rt.bus),
      frames_(std::chrono::milliseconds(rt.config.deepstack_duplicate_window_ms)),
      slots_(rt.config.inference_slots, rt.config.inference_queue_max, rt.config.inference_nice,
             [engine = rt.engine.get()] { (void)engine->warm_up_this_thread(); }),
      services_{rt.config, *rt.db,    hasher_, jwt_,           *blacklist_,
                *rt.bus,   *limiter_, caches_, rt.redis.get(), rt.mailer.get()},
      detection_{*rt.engine, *rt.jobs, *rt.queue, *rt.workers,       *rt.files,
                 waiter_,    slots_,   frames_,   *rt.model_changes, rt.early_runs.get()} {
  api::register_all_routes(router_, services_, detection_);
}

}  // namespace ov::app
