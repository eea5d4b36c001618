#pragma once
// Domain types for accounts. No I/O here.
#include <cstdint>
#include <optional>
#include <string>

namespace ov {

enum class Role { user, admin };
inline const char* to_string(Role r) {
  return r == Role::admin ? "admin" : "user";
}
inline std::optional<Role> role_from_string(const std::string& s) {
  if (s == "user") return Role::user;
  if (s == "admin") return Role::admin;
  return std::nullopt;
}

struct User {
  std::string id;             // UUID
  std::string email;          // lower-cased, unique
  std::string password_hash;  // Argon2id PHC string; never leaves the server
  std::string name;
  Role role = Role::user;
  bool is_active = true;
  // Raised by a password change or a deactivation: tokens of an older epoch are dead.
  std::int64_t session_epoch = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
};

struct UserSettings {
  std::string user_id;
  std::string theme = "system";  // light | dark | system
  bool notifications = true;
  bool daily_report = false;                // the opt-in daily report mail
  std::optional<std::string> api_key_hash;  // SHA-256 hex of the user's API key
};

// One refresh token of a rotation family (a login starts a family; each refresh adds one).
struct RefreshToken {
  std::string jti;
  std::string user_id;
  std::string family_id;
  std::int64_t issued_at_ms = 0;
  std::int64_t expires_at_ms = 0;
  bool used = false;     // rotated away: presenting it again is a replay
  bool revoked = false;  // logout or replay detection
};

}  // namespace ov
