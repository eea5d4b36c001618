#pragma once
// The access-token blacklist filled by logout: in Redis with a TTL when configured, in the
// database otherwise.
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

std::unique_ptr<AccessBlacklist> make_db_blacklist(storage::TokenRepository& tokens);
std::unique_ptr<AccessBlacklist> make_redis_blacklist(cache::Redis& redis);

}  // namespace ov::auth
