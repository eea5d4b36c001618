// The two access-token blacklists: database rows (embedded) or Redis keys with a TTL.
#include "auth/blacklist.hpp"

#include <algorithm>
#include <string>

#include <spdlog/spdlog.h>

#include "cache/log_throttle.hpp"
#include "cache/redis.hpp"
#include "core/ids.hpp"
#include "storage/database.hpp"

namespace ov::auth {
namespace {

class DbBlacklist final : public AccessBlacklist {
 public:
  explicit DbBlacklist(storage::TokenRepository& tokens) : tokens_(tokens) {}
  void add(const std::string& jti, std::int64_t expires_at_ms) override {
    tokens_.blacklist_access(jti, expires_at_ms);
  }
  bool contains(const std::string& jti) override { return tokens_.is_access_blacklisted(jti); }

 private:
  storage::TokenRepository& tokens_;
};

class RedisBlacklist final : public AccessBlacklist {
 public:
  explicit RedisBlacklist(cache::Redis& redis) : redis_(redis) {}

  void add(const std::string& jti, std::int64_t expires_at_ms) override {
    std::int64_t ttl_ms = std::max<std::int64_t>(1, expires_at_ms - now_ms());
    auto reply = redis_.command({"SET", key(jti), "1", "PX", std::to_string(ttl_ms)});
    if (!reply) return report("cannot blacklist a token", reply.error().message);
    if (reply->type == cache::RedisReply::Type::error)
      report("cannot blacklist a token", reply->str);
  }

  bool contains(const std::string& jti) override {
    auto reply = redis_.command({"EXISTS", key(jti)});
    if (!reply) {
      report("cannot check the token blacklist, letting tokens through", reply.error().message);
      return false;
    }
    if (reply->type != cache::RedisReply::Type::integer) {
      report("cannot check the token blacklist, letting tokens through", reply->str);
      return false;
    }
    return reply->integer > 0;
  }

 private:
  static std::string key(const std::string& jti) { return "bl:" + jti; }

  void report(const char* what, const std::string& why) {
    if (auto held_back = throttle_.admit()) {
      spdlog::error("token blacklist: {} ({}); {} more failures since the last report", what, why,
                    *held_back);
    }
  }

  cache::Redis& redis_;
  cache::LogThrottle throttle_;
};

}  // namespace

std::unique_ptr<AccessBlacklist> make_db_blacklist(storage::TokenRepository& tokens) {
  return std::make_unique<DbBlacklist>(tokens);
}

std::unique_ptr<AccessBlacklist> make_redis_blacklist(cache::Redis& redis) {
  return std::make_unique<RedisBlacklist>(redis);
}

}  // namespace ov::auth
