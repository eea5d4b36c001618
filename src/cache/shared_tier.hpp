#pragma once
// The shared tier of the API's caches (scaled shape): values every node can read from Redis,
// behind each node's short in-process tier. A key has a generation (a counter in Redis, "0"
// while absent) that every committed write raises; a value is stored with the generation its
// reader saw *before* reading the database, and is served only while that is still the
// key's generation. So a value read before a write is never served after it, whatever order
// the nodes' stores and the write arrive in, and no store needs to be conditional.
//
//   value:      <prefix>v:<space>:<key>[|<field>]   "<generation>|<payload>", with a TTL
//   generation: <prefix>g:<space>:<key>              INCR on a write; lives 2 x the longest
//                                                    TTL after the last write (a value under
//                                                    an older count has expired by then)
//
// Redis must not evict keys (maxmemory-policy noeviction: it holds the job queue too). Every
// call blocks (never from an I/O thread); a Redis failure is a miss, and a read that failed
// gives no generation, so nothing is stored after it. Hits, misses and failures are counted.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace ov::cache {

class Redis;

struct SharedRead {
  std::optional<std::string> value;       // the payload, when the tier had it
  std::optional<std::string> generation;  // to store a database read under; nullopt: do not
};

struct SharedTierStats {
  std::uint64_t hits = 0, misses = 0, failures = 0;
};

class SharedTier {
 public:
  // `longest_ttl` bounds every put's TTL; generations outlive it twice.
  SharedTier(Redis& redis, std::chrono::milliseconds longest_ttl, std::string prefix = "ov:cache:");

  // One round trip: the value (when it was stored under the current generation) and the
  // generation. `field` tells apart several values under one key (a user's history pages).
  SharedRead get(const std::string& space, const std::string& key, const std::string& field = {});
  void put(const std::string& space, const std::string& key, const std::string& field,
           const std::string& generation, const std::string& payload,
           std::chrono::milliseconds ttl);
  // After a write's commit: every value of the key (all its fields) stops being served.
  void invalidate(const std::string& space, const std::string& key);

  SharedTierStats stats() const;

 private:
  std::string value_key(const std::string& space, const std::string& key,
                        const std::string& field) const;
  std::string generation_key(const std::string& space, const std::string& key) const;
  void failed(const char* what, const std::string& why);

  Redis& redis_;
  std::chrono::milliseconds longest_ttl_;
  std::string prefix_;
  std::atomic<std::uint64_t> hits_{0}, misses_{0}, failures_{0};
};

}  // namespace ov::cache
