#pragma once
// The access-token blacklist filled by logout. The database is the record: an entry is stored
// there first, so a logout survives anything Redis does. In the scaled shape Redis caches it
// (one sorted set, jti -> expiry, with a sentinel member that says the set was filled from the
// database): a Redis restart, a FLUSHALL or an eviction of the set removes the sentinel with
// it, and the next lookup refills the set from the database before answering. When Redis
// cannot be reached, lookups go to the database instead (slower, still correct). Entries only
// need to outlive the token they name (expires_at_ms). Redis failures are logged at most once
// every 10 seconds with the count of further failures.
#include <cstdint>
#include <memory>
#include <string>

namespace ov::storage {
class TokenRepository;
}
namespace ov::cache {
class Redis;
}

namespace ov::auth {

class AccessBlacklist {
 public:
  virtual ~AccessBlacklist() = default;
  virtual void add(const std::string& jti, std::int64_t expires_at_ms) = 0;
  virtual bool contains(const std::string& jti) = 0;
};

// TokenRepository::blacklist_access / is_access_blacklisted (no link dependency on ov_storage:
// only virtual calls).
std::unique_ptr<AccessBlacklist> make_db_blacklist(storage::TokenRepository& tokens);
// The database, cached in the Redis sorted set kRedisBlacklistKey.
std::unique_ptr<AccessBlacklist> make_cached_blacklist(storage::TokenRepository& tokens,
                                                       cache::Redis& redis);

inline constexpr const char* kRedisBlacklistKey = "ov:blacklist";
inline constexpr const char* kRedisBlacklistSentinel = "~filled";

}  // namespace ov::auth
