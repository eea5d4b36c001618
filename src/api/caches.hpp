#pragma once
// The API's caches: verified access tokens, users with their settings, finished jobs and
// history pages, in process (cache::Lru, bounded, with times to live). They are kept true two
// ways: the node that writes erases what it changed at once (no stale read on that node), and
// every node erases it when the write's event arrives on the bus (job events, the end of
// sessions, changes of accounts; through Redis pub/sub when scaled). Hits and misses are
// counted per cache.
//
// A reader that fills a cache takes a stamp(key) before it reads the database and hands it to
// remember_*(): when that key (or one sharing its stripe) was forgotten in between, the value
// it read may be older than that, and it is not kept (a racing password change must not leave
// the old user cached). Keys: the jti, the user id, the job id; the user id for history pages.
//
// Scaled, a shared tier in Redis (cache::SharedTier) sits between these and the database for
// users with their settings, finished jobs and history pages, with the old service's times to
// live; the blocking forms ask it (shared_*) before the database and share what they read
// (share_*) under the generation the lookup saw. Verified tokens need no shared copy: their
// one shared fact, the blacklist, is in Redis already. Writes raise the key's generation after
// their commit: user_written() for accounts, forget_shared() for job events (every process
// that changes jobs, workers included).
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cache/lru.hpp"
#include "cache/shared_tier.hpp"
#include "core/job.hpp"
#include "core/user.hpp"
#include "events/bus.hpp"

namespace ov::api {

struct CacheSettings {
  std::size_t capacity = 10'000;  // entries per cache
  std::chrono::milliseconds tokens{60'000};
  std::chrono::milliseconds users{15 * 60'000};   // the old service: profile 15 min
  std::chrono::milliseconds jobs{60'000};         // job status 1 min
  std::chrono::milliseconds history{5 * 60'000};  // history 5 min
  // The shared tier (scaled), always with the old service's times to live.
  std::chrono::milliseconds shared_users{15 * 60'000};
  std::chrono::milliseconds shared_jobs{60'000};
  std::chrono::milliseconds shared_history{5 * 60'000};
};

struct CachedUser {
  User user;
  std::optional<UserSettings> settings;  // filled by the first reader that loads them
};

struct CachedJob {
  std::string user_id;  // the owner, for the visibility check
  std::string json;     // the rendered job
};

// What the shared tier held, and the generation to share a database read under (nullopt:
// do not; embedded, or Redis failed).
template <class T>
struct SharedFound {
  std::optional<T> value;
  std::optional<std::string> generation;
};

class Caches {
 public:
  // `shared`: the Redis tier (scaled), or null.
  explicit Caches(CacheSettings settings = {}, cache::SharedTier* shared = nullptr);

  // Access tokens known not to be revoked (by jti), as of when they were checked.
  std::optional<bool> token_live(const std::string& jti) { return tokens_.get(jti); }
  // Counts forgets of the key's stripe: see remember_*.
  std::uint64_t stamp(const std::string& key) const { return stripe(key).load(); }

  void remember_live_token(const std::string& jti, std::int64_t expires_at_s, std::uint64_t stamp);
  void forget_token(const std::string& jti);

  std::optional<CachedUser> user(const std::string& id) { return users_.get(id); }
  void remember_user(const User& user, std::optional<UserSettings> settings, std::uint64_t stamp);
  void forget_user(const std::string& id);

  // Finished jobs only: they change no more (until deleted).
  std::optional<CachedJob> job(const std::string& id) { return jobs_.get(id); }
  void remember_job(const Job& job, std::string json, std::uint64_t stamp);
  void forget_job(const std::string& id);

  // History pages by user and query; a job event of the user makes them all stale.
  std::optional<std::string> history(const std::string& user_id, const std::string& query);
  void remember_history(const std::string& user_id, const std::string& query, std::string json,
                        std::uint64_t stamp);
  void forget_history(const std::string& user_id);

  // What an event on the bus makes stale (any node's write).
  void on_event(const events::Event& event);

  // ---- the shared tier: blocking, never from an I/O thread; inert when embedded ----
  SharedFound<CachedUser> shared_user(const std::string& id);
  void share_user(const CachedUser& cached, const std::optional<std::string>& generation);
  SharedFound<CachedJob> shared_job(const std::string& id);
  void share_job(const Job& job, const std::string& json,
                 const std::optional<std::string>& generation);  // finished jobs only
  SharedFound<std::string> shared_history(const std::string& user_id, const std::string& query);
  void share_history(const std::string& user_id, const std::string& query, const std::string& json,
                     const std::optional<std::string>& generation);
  // An account change this process committed: forgotten here and in the shared tier (the other
  // nodes' own tiers hear it from the bus).
  void user_written(const std::string& id);
  // A job found in the shared tier, kept here too (finished: only those are shared).
  void remember_shared_job(const std::string& id, CachedJob cached, std::uint64_t stamp);

  struct Stats {
    cache::CacheStats tokens, users, jobs, history;
    std::optional<cache::SharedTierStats> shared;  // scaled only
  };
  Stats stats() const;

 private:
  std::string history_key(const std::string& user_id, const std::string& query);

  std::atomic<std::uint64_t>& stripe(const std::string& key) const {
    return stripes_[std::hash<std::string>{}(key) % stripes_.size()];
  }
  bool unchanged_since(const std::string& key, std::uint64_t stamp) const {
    return stripe(key).load() == stamp;
  }
  void forgot(const std::string& key) { ++stripe(key); }

  CacheSettings settings_;
  cache::SharedTier* shared_;
  mutable std::array<std::atomic<std::uint64_t>, 256> stripes_{};
  cache::Lru<bool> tokens_;
  cache::Lru<CachedUser> users_;
  cache::Lru<CachedJob> jobs_;
  cache::Lru<std::string> history_;
  cache::Lru<std::uint64_t> history_generation_;  // per user: bumped by each of its job events
};

// What a job event makes stale in the shared tier: the job and its owner's history pages.
// Called after the change's commit by the process that made it (the lifecycle's observer).
void forget_shared(cache::SharedTier& shared, const JobEvent& event);

}  // namespace ov::api
