#include "storage/sql/token_repository.hpp"

#include <fmt/format.h>

#include "storage/sql/transaction.hpp"

namespace ov::storage::sql {
namespace {

constexpr const char* kMarkUsed =
    "UPDATE refresh_tokens SET used = TRUE WHERE jti = $1 AND used = FALSE AND revoked = FALSE";
constexpr const char* kRevokeFamily =
    "UPDATE refresh_tokens SET revoked = TRUE WHERE family_id = $1";
constexpr const char* kRevokeUserFamily =
    "UPDATE refresh_tokens SET revoked = TRUE WHERE user_id = $1 AND family_id = $2";
constexpr const char* kRevokeOne = "UPDATE refresh_tokens SET revoked = TRUE WHERE jti = $1";
constexpr const char* kRevokeUser =
    "UPDATE refresh_tokens SET revoked = TRUE WHERE user_id = $1 AND revoked = FALSE";
constexpr const char* kIsBlacklisted = "SELECT 1 FROM access_blacklist WHERE jti = $1";

}  // namespace

SqlTokenRepository::SqlTokenRepository(Pool& pool, Dialect d) : pool_(pool), dialect_(d) {
  insert_refresh_ = fmt::format(
      "INSERT INTO refresh_tokens (jti, user_id, family_id, issued_at, expires_at, used, revoked) "
      "VALUES ($1, $2, $3, {}, {}, $6, $7)",
      d.time_param(4), d.time_param(5));
  select_refresh_ = fmt::format(
      "SELECT jti, user_id, family_id, {}, {}, used, revoked FROM refresh_tokens WHERE jti = $1",
      d.time_column("issued_at"), d.time_column("expires_at"));
  insert_blacklist_ = fmt::format(
      "INSERT INTO access_blacklist (jti, expires_at) VALUES ($1, {}) "
      "ON CONFLICT (jti) DO NOTHING",
      d.time_param(2));
  purge_refresh_ =
      fmt::format("DELETE FROM refresh_tokens WHERE expires_at <= {}", d.time_param(1));
  purge_blacklist_ =
      fmt::format("DELETE FROM access_blacklist WHERE expires_at <= {}", d.time_param(1));
  // Every transaction that changes a user's tokens locks the user's row first, then the token
  // rows (PostgreSQL; SQLite's write transaction holds everything): one order, no deadlock.
  lock_user_ =
      fmt::format("SELECT session_epoch, is_active FROM users WHERE id = $1{}", d.for_update());
  select_for_rotation_ = fmt::format(
      "SELECT family_id, used, revoked FROM refresh_tokens WHERE jti = $1 AND user_id = $2{}",
      d.for_update());
  select_live_blacklist_ = fmt::format("SELECT jti, {} FROM access_blacklist WHERE expires_at > {}",
                                       d.time_column("expires_at"), d.time_param(1));
}

QueryResult SqlTokenRepository::run(const std::string& sql, const Params& params) {
  return value_or_raise(pool_.with([&](Connection& c) { return c.query(sql, params); }));
}

void SqlTokenRepository::store_refresh(const RefreshToken& t) {
  run(insert_refresh_,
      {t.jti, t.user_id, t.family_id, t.issued_at_ms, t.expires_at_ms, t.used, t.revoked});
}

std::optional<RefreshToken> SqlTokenRepository::find_refresh(const std::string& jti) {
  auto result = run(select_refresh_, {jti});
  if (result.rows.empty()) return std::nullopt;
  const Row& row = result.rows.front();
  RefreshToken t;
  t.jti = row.text(0);
  t.user_id = row.text(1);
  t.family_id = row.text(2);
  t.issued_at_ms = row.integer(3);
  t.expires_at_ms = row.integer(4);
  t.used = row.boolean(5);
  t.revoked = row.boolean(6);
  return t;
}

// One conditional UPDATE: of two concurrent presentations exactly one changes the row.
bool SqlTokenRepository::mark_refresh_used(const std::string& jti) {
  return run(kMarkUsed, {jti}).affected == 1;
}

Result<Rotation> SqlTokenRepository::rotate_refresh(const std::string& presented_jti,
                                                    const std::string& user_id,
                                                    std::int64_t session_epoch,
                                                    const RefreshToken& next) {
  return pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<Rotation> {
      auto user = c.query(lock_user_, {user_id});
      if (!user) return user.error();
      if (user.value().rows.empty()) return Rotation::unknown;
      auto found = c.query(select_for_rotation_, {presented_jti, user_id});
      if (!found) return found.error();
      if (found.value().rows.empty()) return Rotation::unknown;
      const Row& row = found.value().rows.front();
      const std::string family = row.text(0);
      if (row.boolean(2)) return Rotation::revoked;
      if (row.boolean(1)) {
        if (auto r = c.query(kRevokeFamily, {family}); !r) return r.error();
        return Rotation::replayed;
      }
      const Row& owner = user.value().rows.front();
      if (owner.integer(0) != session_epoch || !owner.boolean(1)) return Rotation::session_ended;
      if (family != next.family_id || user_id != next.user_id) {
        return Error{Errc::invalid_argument, "the next token belongs to another family"};
      }
      if (auto r = c.query(kMarkUsed, {presented_jti}); !r) return r.error();
      auto stored = c.query(insert_refresh_, {next.jti, next.user_id, next.family_id,
                                              next.issued_at_ms, next.expires_at_ms, false, false});
      if (!stored) return stored.error();
      return Rotation::rotated;
    });
  });
}

void SqlTokenRepository::revoke_family(const std::string& user_id, const std::string& family_id) {
  value_or_raise(pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<bool> {
      if (auto locked = c.query(lock_user_, {user_id}); !locked) return locked.error();
      if (auto r = c.query(kRevokeUserFamily, {user_id, family_id}); !r) return r.error();
      return true;
    });
  }));
}

void SqlTokenRepository::revoke_refresh(const std::string& jti) {
  run(kRevokeOne, {jti});
}

void SqlTokenRepository::revoke_user(const std::string& user_id) {
  run(kRevokeUser, {user_id});
}

void SqlTokenRepository::blacklist_access(const std::string& jti, std::int64_t expires_at_ms) {
  run(insert_blacklist_, {jti, expires_at_ms});
}

bool SqlTokenRepository::is_access_blacklisted(const std::string& jti) {
  return !run(kIsBlacklisted, {jti}).rows.empty();
}

std::vector<std::pair<std::string, std::int64_t>> SqlTokenRepository::live_blacklist(
    std::int64_t now_ms) {
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const Row& row : run(select_live_blacklist_, {now_ms}).rows) {
    out.emplace_back(row.text(0), row.integer(1));
  }
  return out;
}

std::int64_t SqlTokenRepository::purge_expired(std::int64_t now_ms) {
  return value_or_raise(pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<std::int64_t> {
      auto tokens = c.query(purge_refresh_, {now_ms});
      if (!tokens) return tokens.error();
      auto blacklist = c.query(purge_blacklist_, {now_ms});
      if (!blacklist) return blacklist.error();
      return tokens.value().affected + blacklist.value().affected;
    });
  }));
}

}  // namespace ov::storage::sql
