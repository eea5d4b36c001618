#pragma once
// The repository interface over both backends: SQLite (embedded) and PostgreSQL (scaled).
// Calls block: the HTTP layer runs them on its worker pool, never on an I/O thread.
// Implementations are thread-safe (a connection pool inside).
// Calls that return a Result report failures as values; the others (finds, token writes,
// listings) throw StorageError when the database itself fails.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/user.hpp"
#include "storage/jobs.hpp"
#include "storage/mail.hpp"

namespace ov::storage {

struct DbConfig {
  // "sqlite:///abs/path/objectvision.db", "sqlite://relative/path.db", "sqlite://:memory:"
  // (one connection) or "postgresql://user:pass@host:port/db" / "postgres://..." (libpq URI)
  std::string url;
  int pool_size = 8;           // PostgreSQL connections; SQLite uses at most 4
  int connect_timeout_s = 5;   // also SQLite's busy timeout
  int acquire_timeout_s = 30;  // how long a caller waits for a free pooled connection
};

// What the calls without a Result throw when the database fails: an ApiError, so the HTTP
// boundary answers 503 (unreachable, busy) or 500 (anything else) with a generic detail;
// what() and cause() carry the driver's message for the logs.
class StorageError : public ApiError {
 public:
  explicit StorageError(Error cause);
  const Error& cause() const { return cause_; }
  const char* what() const noexcept override { return cause_.message.c_str(); }

 private:
  Error cause_;
};

struct NewUser {
  std::string email;  // already validated and lower-cased
  std::string password_hash;
  std::string name;
  Role role = Role::user;
};

struct UserPatch {
  std::optional<std::string> name;
  std::optional<std::string> password_hash;
  std::optional<Role> role;
  std::optional<bool> is_active;
};

struct SettingsPatch {
  std::optional<std::string> theme;
  std::optional<bool> notifications;
  std::optional<bool> daily_report;
  std::optional<std::optional<std::string>> api_key_hash;  // set, or clear with nullopt inside
};

class UserRepository {
 public:
  virtual ~UserRepository() = default;
  // Errc::conflict when the email is taken (compared case-insensitively). Creates default
  // settings too.
  virtual Result<User> create(const NewUser& user) = 0;
  virtual std::optional<User> find_by_id(const std::string& id) = 0;
  virtual std::optional<User> find_by_email(const std::string& email) = 0;  // any case
  // Applies the set fields and bumps updated_at; Errc::not_found when absent.
  virtual Result<User> update(const std::string& id, const UserPatch& patch) = 0;
  // The same, and in the same transaction every session of the user ends: session_epoch is
  // raised (every access token issued before dies), every refresh token is revoked, and the
  // API key is cleared unless keep_api_key. For password changes and deactivations.
  virtual Result<User> update_ending_sessions(const std::string& id, const UserPatch& patch,
                                              bool keep_api_key) = 0;
  virtual std::optional<UserSettings> settings(const std::string& user_id) = 0;
  // Errc::not_found for an unknown user, invalid_argument for a bad theme, conflict for an
  // API key hash another user holds.
  virtual Result<UserSettings> update_settings(const std::string& user_id,
                                               const SettingsPatch& patch) = 0;
  virtual std::optional<User> find_by_api_key_hash(const std::string& api_key_hash) = 0;
  virtual std::int64_t count() = 0;
  // Active users with the daily report on, by id after `after_id` ("" from the start).
  virtual Result<std::vector<User>> with_daily_report(const std::string& after_id, int limit) = 0;
};

// What presenting a refresh token for rotation did.
enum class Rotation {
  rotated,        // the token was live: it is used now and `next` is stored
  unknown,        // no such token (or another user's)
  revoked,        // revoked by a logout, a password change or a deactivation
  replayed,       // already used: someone holds a copy; the whole family is revoked now
  session_ended,  // the user's session epoch moved on, or the user is inactive
};

class TokenRepository {
 public:
  virtual ~TokenRepository() = default;
  virtual void store_refresh(const RefreshToken& token) = 0;
  virtual std::optional<RefreshToken> find_refresh(const std::string& jti) = 0;
  // Atomically marks an unused, unrevoked token used. False when it was already used or revoked
  // (the caller then treats the presentation as a replay).
  virtual bool mark_refresh_used(const std::string& jti) = 0;
  // Refresh rotation in one transaction that first locks the user's row, as revoke_family and
  // UserRepository::update_ending_sessions do: a rotation racing a revocation either happens
  // wholly before it (and its new token is revoked with the rest) or sees the revocation.
  // `next` must name the same user and family as the presented token.
  virtual Result<Rotation> rotate_refresh(const std::string& presented_jti,
                                          const std::string& user_id, std::int64_t session_epoch,
                                          const RefreshToken& next) = 0;
  // Revokes one family of the user (logout), serialised with rotation as above.
  virtual void revoke_family(const std::string& user_id, const std::string& family_id) = 0;
  virtual void revoke_refresh(const std::string& jti) = 0;
  // Every refresh token of the user (a password change ends the other sessions).
  virtual void revoke_user(const std::string& user_id) = 0;
  // Access-token blacklist for the embedded shape (Redis holds it when configured).
  virtual void blacklist_access(const std::string& jti, std::int64_t expires_at_ms) = 0;
  virtual bool is_access_blacklisted(const std::string& jti) = 0;
  // Every blacklist entry that has not expired at now_ms: jti and expiry (to refill a cache).
  virtual std::vector<std::pair<std::string, std::int64_t>> live_blacklist(std::int64_t now_ms) = 0;
  // Deletes expired refresh tokens and blacklist rows; returns how many rows went.
  virtual std::int64_t purge_expired(std::int64_t now_ms) = 0;
};

struct MigrationState {
  int version = 0;
  std::string name;
  bool applied = false;
  std::optional<std::int64_t> applied_at_ms;
};

class Database {
 public:
  virtual ~Database() = default;
  virtual std::string backend() const = 0;  // "sqlite" | "postgresql"
  virtual Result<void> ping() = 0;
  // Migrations are versioned SQL files compiled into the binary (src/storage/migrations/).
  // up/down hold a lock (pg_advisory_lock; an exclusive transaction in SQLite) so that
  // nodes starting together do not race.
  // Each migration runs in its own transaction. Errc::conflict, touching nothing, when the
  // database holds a version this binary does not know (the binary is older than the data).
  virtual Result<int> migrate_up() = 0;             // returns how many were applied
  virtual Result<int> migrate_down(int steps) = 0;  // returns how many were reverted
  // Every known one, applied or not, by version; versions applied by a newer binary are
  // listed too (applied, with the name recorded in the database).
  virtual std::vector<MigrationState> migrations() = 0;
  // True when nothing is pending and no unknown (newer) version is applied.
  virtual bool migrations_current() = 0;
  virtual UserRepository& users() = 0;
  virtual TokenRepository& tokens() = 0;
  virtual JobRepository& jobs() = 0;
  virtual QueueTable& queue_table() = 0;  // the embedded queue's table
  virtual LeaseRepository& leases() = 0;
  virtual ScheduleRepository& schedules() = 0;
  virtual MailRepository& mail() = 0;
};

// Opens the backend named by the URL scheme. Errc::invalid_argument for a bad URL,
// Errc::unavailable when the server cannot be reached.
Result<std::unique_ptr<Database>> open_database(const DbConfig& config);

}  // namespace ov::storage
