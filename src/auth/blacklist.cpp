// The access-token blacklist: database rows, optionally cached in one Redis sorted set.
#include "auth/blacklist.hpp"

#include <charconv>
#include <string>
#include <vector>

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

using Reply = cache::RedisReply;

class CachedBlacklist final : public AccessBlacklist {
 public:
  CachedBlacklist(storage::TokenRepository& tokens, cache::Redis& redis)
      : tokens_(tokens), redis_(redis) {}

  void add(const std::string& jti, std::int64_t expires_at_ms) override {
    tokens_.blacklist_access(jti, expires_at_ms);  // the record; throws when it cannot be kept
    // The cache only gains the entry when it is filled: an unfilled set is refilled from the
    // database (which has the entry now) by the next lookup.
    auto added =
        redis_.command({"EVAL", kAddScript, "1", kRedisBlacklistKey, kRedisBlacklistSentinel, jti,
                        std::to_string(expires_at_ms), std::to_string(now_ms())});
    if (!added || added->type == Reply::Type::error) {
      report("cannot cache a blacklist entry", added ? added->str : added.error().message);
    }
  }

  bool contains(const std::string& jti) override {
    auto reply = redis_.command({"ZMSCORE", kRedisBlacklistKey, kRedisBlacklistSentinel, jti});
    if (!reply || reply->type != Reply::Type::array || reply->elements.size() != 2) {
      report("cannot read the cached blacklist, asking the database",
             reply ? reply->str : reply.error().message);
      return tokens_.is_access_blacklisted(jti);
    }
    if (reply->elements[0].type == Reply::Type::nil) {
      // Redis lost the set (restart, FLUSHALL, eviction): the database still knows.
      fill();
      return tokens_.is_access_blacklisted(jti);
    }
    const Reply& score = reply->elements[1];
    if (score.type == Reply::Type::nil) return false;
    double expires = 0;
    auto [end, ec] =
        std::from_chars(score.str.data(), score.str.data() + score.str.size(), expires);
    return ec != std::errc() || expires > static_cast<double>(now_ms());  // unreadable: revoked
  }

 private:
  // Adds one entry when the set is filled, and trims expired ones.
  static constexpr const char* kAddScript =
      "if redis.call('ZSCORE', KEYS[1], ARGV[1]) then "
      "redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2]) "
      "redis.call('ZREMRANGEBYSCORE', KEYS[1], '0', '(' .. ARGV[4]) end "
      "return 1";

  // Copies the database's live entries into the set, then sets the sentinel (a score far in
  // the future, so trimming keeps it). An entry added meanwhile is in the database already.
  void fill() {
    auto entries = tokens_.live_blacklist(now_ms());
    std::vector<std::string> args{"ZADD", kRedisBlacklistKey};
    args.reserve(entries.size() * 2 + 4);
    for (const auto& [jti, expires] : entries) {
      args.push_back(std::to_string(expires));
      args.push_back(jti);
    }
    args.emplace_back("9000000000000000");
    args.emplace_back(kRedisBlacklistSentinel);
    auto reply = redis_.command(args);
    if (!reply || reply->type == Reply::Type::error) {
      report("cannot refill the cached blacklist", reply ? reply->str : reply.error().message);
    } else {
      spdlog::info("token blacklist: refilled the Redis cache with {} entries from the database",
                   entries.size());
    }
  }

  void report(const char* what, const std::string& why) {
    if (auto held_back = throttle_.admit()) {
      spdlog::error("token blacklist: {} ({}); {} more failures since the last report", what, why,
                    *held_back);
    }
  }

  storage::TokenRepository& tokens_;
  cache::Redis& redis_;
  cache::LogThrottle throttle_;
};

}  // namespace

std::unique_ptr<AccessBlacklist> make_db_blacklist(storage::TokenRepository& tokens) {
  return std::make_unique<DbBlacklist>(tokens);
}

std::unique_ptr<AccessBlacklist> make_cached_blacklist(storage::TokenRepository& tokens,
                                                       cache::Redis& redis) {
  return std::make_unique<CachedBlacklist>(tokens, redis);
}

}  // namespace ov::auth
