#pragma once
// The access-token blacklist filled by logout: in Redis with a TTL when configured, in the
// database otherwise. Entries only need to outlive the token they name (expires_at_ms).
//
// When Redis cannot be reached, the Redis blacklist fails OPEN: contains() answers false
// (a token that was logged out stays usable until it expires, at most the access-token
// lifetime) rather than treating every token as revoked, which would log every user out for
// the length of the outage. add() cannot store the entry then. Both log an error, at most once
// every 10 seconds with the count of further failures, so an outage is loud but does not flood
// the log.
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

// Forwards to TokenRepository::blacklist_access / is_access_blacklisted (no link dependency
// on ov_storage: only virtual calls).
std::unique_ptr<AccessBlacklist> make_db_blacklist(storage::TokenRepository& tokens);
// SET bl:<jti> 1 PX <expires_at_ms - now, at least 1> and EXISTS bl:<jti>.
std::unique_ptr<AccessBlacklist> make_redis_blacklist(cache::Redis& redis);

}  // namespace ov::auth
