#include "storage/sql/user_repository.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql/transaction.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {
namespace {

constexpr const char* kSettingsColumns =
    "user_id, theme, notifications, api_key_hash, daily_report";
constexpr const char* kRevokeRefreshTokens =
    "UPDATE refresh_tokens SET revoked = TRUE WHERE user_id = $1 AND revoked = FALSE";
constexpr const char* kClearApiKey =
    "UPDATE user_settings SET api_key_hash = NULL WHERE user_id = $1";

// The columns read_user expects, in order; prefix qualifies them ("u." or "" where SQLite
// allows no alias, as in RETURNING).
std::string user_columns(const Dialect& d, std::string_view prefix) {
  return fmt::format(
      "{0}id, {0}email, {0}password_hash, {0}name, {0}role, {0}is_active, {1}, {2}, "
      "{0}session_epoch",
      prefix, d.time_column(fmt::format("{}created_at", prefix)),
      d.time_column(fmt::format("{}updated_at", prefix)));
}

User read_user(const Row& row) {
  User u;
  u.id = row.text(0);
  u.email = row.text(1);
  u.password_hash = row.text(2);
  u.name = row.text(3);
  u.role = role_from_string(row.text(4)).value_or(Role::user);
  u.is_active = row.boolean(5);
  u.created_at_ms = row.integer(6);
  u.updated_at_ms = row.integer(7);
  u.session_epoch = row.integer(8);
  return u;
}

UserSettings read_settings(const Row& row) {
  UserSettings s;
  s.user_id = row.text(0);
  s.theme = row.text(1);
  s.notifications = row.boolean(2);
  s.api_key_hash = row.optional_text(3);
  s.daily_report = row.boolean(4);
  return s;
}

bool valid_theme(const std::string& theme) {
  return theme == "light" || theme == "dark" || theme == "system";
}

}  // namespace

SqlUserRepository::SqlUserRepository(Pool& pool, Dialect d) : pool_(pool), dialect_(d) {
  std::string cols = user_columns(d, "u.");
  insert_user_ = fmt::format(
      "INSERT INTO users (id, email, password_hash, name, role, is_active, created_at, "
      "updated_at) VALUES ($1, $2, $3, $4, $5, TRUE, {0}, {0})",
      d.time_param(6));
  insert_settings_ = "INSERT INTO user_settings (user_id) VALUES ($1)";
  select_by_id_ = fmt::format("SELECT {} FROM users u WHERE u.id = $1", cols);
  select_by_email_ = fmt::format("SELECT {} FROM users u WHERE lower(u.email) = lower($1)", cols);
  select_by_api_key_ = fmt::format(
      "SELECT {} FROM users u JOIN user_settings s ON s.user_id = u.id WHERE s.api_key_hash = $1",
      cols);
  // Unset fields arrive as NULL and keep the stored value (every patched column is NOT NULL).
  // $7 adds to session_epoch: 1 ends every session of the user, 0 keeps them.
  update_user_ = fmt::format(
      "UPDATE users SET name = COALESCE($2, name), "
      "password_hash = COALESCE($3, password_hash), role = COALESCE($4, role), "
      "is_active = COALESCE(CAST($5 AS BOOLEAN), is_active), updated_at = {}, "
      "session_epoch = session_epoch + $7 "
      "WHERE id = $1 RETURNING {}",
      d.time_param(6), user_columns(d, ""));
  select_settings_ =
      fmt::format("SELECT {} FROM user_settings WHERE user_id = $1", kSettingsColumns);
  // api_key_hash is nullable, so a flag ($4) says whether $5 replaces it.
  update_settings_ = fmt::format(
      "UPDATE user_settings SET theme = COALESCE($2, theme), "
      "notifications = COALESCE(CAST($3 AS BOOLEAN), notifications), "
      "api_key_hash = CASE WHEN CAST($4 AS BOOLEAN) THEN CAST($5 AS TEXT) ELSE api_key_hash END, "
      "daily_report = COALESCE(CAST($6 AS BOOLEAN), daily_report) "
      "WHERE user_id = $1 RETURNING {}",
      kSettingsColumns);
}

Result<User> SqlUserRepository::create(const NewUser& nu) {
  User user;
  user.id = new_uuid();
  user.email = nu.email;
  user.password_hash = nu.password_hash;
  user.name = nu.name;
  user.role = nu.role;
  user.is_active = true;
  user.created_at_ms = user.updated_at_ms = now_ms();
  return pool_.with([&](Connection& conn) {
    return in_transaction(conn, dialect_, [&]() -> Result<User> {
      auto inserted =
          conn.query(insert_user_, {user.id, user.email, user.password_hash, user.name,
                                    std::string(to_string(user.role)), user.created_at_ms});
      if (!inserted) {
        if (inserted.error().code == Errc::conflict) {
          return Error{Errc::conflict, "email already registered"};
        }
        return inserted.error();
      }
      if (auto settings = conn.query(insert_settings_, {user.id}); !settings) {
        return settings.error();
      }
      return user;
    });
  });
}

std::optional<User> SqlUserRepository::find_one(const std::string& sql, const std::string& key) {
  auto rows = value_or_raise(pool_.with([&](Connection& c) { return c.query(sql, {key}); }));
  if (rows.rows.empty()) return std::nullopt;
  return read_user(rows.rows.front());
}

std::optional<User> SqlUserRepository::find_by_id(const std::string& id) {
  auto key = canonical_id(id);
  if (!key) return std::nullopt;
  return find_one(select_by_id_, *key);
}

std::optional<User> SqlUserRepository::find_by_email(const std::string& email) {
  return find_one(select_by_email_, email);
}

std::optional<User> SqlUserRepository::find_by_api_key_hash(const std::string& api_key_hash) {
  return find_one(select_by_api_key_, api_key_hash);
}

Result<User> SqlUserRepository::update(const std::string& id, const UserPatch& patch) {
  auto key = canonical_id(id);
  if (!key) return Error{Errc::not_found, "user not found"};
  std::optional<std::string> role;
  if (patch.role) role = to_string(*patch.role);
  auto rows = pool_.with([&](Connection& c) {
    return c.query(update_user_,
                   {*key, nullable(patch.name), nullable(patch.password_hash), nullable(role),
                    nullable(patch.is_active), now_ms(), std::int64_t{0}});
  });
  if (!rows) return rows.error();
  if (rows.value().rows.empty()) return Error{Errc::not_found, "user not found"};
  return read_user(rows.value().rows.front());
}

// One transaction. In PostgreSQL the UPDATE of the user row is the lock that token rotation
// (TokenRepository::rotate_refresh) and family revocation take first, so none of them can
// interleave with this; SQLite's write transaction serialises them all.
Result<User> SqlUserRepository::update_ending_sessions(const std::string& id,
                                                       const UserPatch& patch, bool keep_api_key) {
  auto key = canonical_id(id);
  if (!key) return Error{Errc::not_found, "user not found"};
  std::optional<std::string> role;
  if (patch.role) role = to_string(*patch.role);
  return pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<User> {
      auto rows = c.query(
          update_user_, {*key, nullable(patch.name), nullable(patch.password_hash), nullable(role),
                         nullable(patch.is_active), now_ms(), std::int64_t{1}});
      if (!rows) return rows.error();
      if (rows.value().rows.empty()) return Error{Errc::not_found, "user not found"};
      User user = read_user(rows.value().rows.front());
      if (auto r = c.query(kRevokeRefreshTokens, {*key}); !r) return r.error();
      if (!keep_api_key) {
        if (auto r = c.query(kClearApiKey, {*key}); !r) return r.error();
      }
      return user;
    });
  });
}

std::optional<UserSettings> SqlUserRepository::settings(const std::string& user_id) {
  auto key = canonical_id(user_id);
  if (!key) return std::nullopt;
  auto rows =
      value_or_raise(pool_.with([&](Connection& c) { return c.query(select_settings_, {*key}); }));
  if (rows.rows.empty()) return std::nullopt;
  return read_settings(rows.rows.front());
}

Result<UserSettings> SqlUserRepository::update_settings(const std::string& user_id,
                                                        const SettingsPatch& patch) {
  auto key = canonical_id(user_id);
  if (!key) return Error{Errc::not_found, "user not found"};
  if (patch.theme && !valid_theme(*patch.theme)) {
    return Error{Errc::invalid_argument, "theme must be one of light, dark, system"};
  }
  std::optional<std::string> api_key;
  if (patch.api_key_hash) api_key = *patch.api_key_hash;
  auto rows = pool_.with([&](Connection& c) {
    return c.query(update_settings_, {*key, nullable(patch.theme), nullable(patch.notifications),
                                      patch.api_key_hash.has_value(), nullable(api_key),
                                      nullable(patch.daily_report)});
  });
  if (!rows) {
    if (rows.error().code == Errc::conflict) {
      return Error{Errc::conflict, "API key hash already in use"};
    }
    return rows.error();
  }
  if (rows.value().rows.empty()) return Error{Errc::not_found, "user not found"};
  return read_settings(rows.value().rows.front());
}

Result<std::vector<User>> SqlUserRepository::with_daily_report(const std::string& after_id,
                                                               int limit) {
  // By the id's text, which both backends order alike (PostgreSQL's ids are uuid).
  const std::string sql = fmt::format(
      "SELECT {} FROM users u JOIN user_settings s ON s.user_id = u.id "
      "WHERE s.daily_report = TRUE AND u.is_active = TRUE AND CAST(u.id AS TEXT) > $1 "
      "ORDER BY CAST(u.id AS TEXT) LIMIT $2",
      user_columns(dialect_, "u."));
  auto rows = pool_.with([&](Connection& c) {
    return c.query(sql, {after_id, std::int64_t{limit}});
  });
  if (!rows) return rows.error();
  std::vector<User> out;
  for (const auto& row : rows.value().rows) out.push_back(read_user(row));
  return out;
}

std::int64_t SqlUserRepository::count() {
  auto rows = value_or_raise(
      pool_.with([&](Connection& c) { return c.query("SELECT count(*) FROM users", {}); }));
  return rows.rows.empty() ? 0 : rows.rows.front().integer(0);
}

}  // namespace ov::storage::sql
