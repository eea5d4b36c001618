// `objectvision migrate ...`, `user create`, `config check`.
#include <cstdio>
#include <iostream>

#include "app/backups.hpp"
#include "app/commands.hpp"
#include "app/scheduled_tasks.hpp"
#include "auth/password.hpp"
#include "core/email.hpp"
#include "core/ids.hpp"
#include "storage/backup.hpp"
#include "storage/database.hpp"

namespace ov::app {
namespace {

std::unique_ptr<storage::Database> open(const config::Config& config) {
  auto db = storage::open_database({config.database_url, 2});
  if (!db) {
    std::cerr << "objectvision: database: " << db.error().message << "\n";
    return nullptr;
  }
  return std::move(db.value());
}

}  // namespace

int migrate_up(const config::Config& config) {
  auto db = open(config);
  if (!db) return kExitFailure;
  auto applied = db->migrate_up();
  if (!applied) {
    std::cerr << "objectvision: migrate up: " << applied.error().message << "\n";
    return kExitFailure;
  }
  std::printf("applied %d migration(s)\n", applied.value());
  return 0;
}

int migrate_down(const config::Config& config, int steps) {
  auto db = open(config);
  if (!db) return kExitFailure;
  auto reverted = db->migrate_down(steps);
  if (!reverted) {
    std::cerr << "objectvision: migrate down: " << reverted.error().message << "\n";
    return kExitFailure;
  }
  std::printf("reverted %d migration(s)\n", reverted.value());
  return 0;
}

int migrate_status(const config::Config& config) {
  auto db = open(config);
  if (!db) return kExitFailure;
  for (const auto& m : db->migrations()) {
    std::printf("%04d  %-28s %s%s\n", m.version, m.name.c_str(), m.applied ? "applied" : "pending",
                m.applied_at_ms ? ("  " + rfc3339(*m.applied_at_ms)).c_str() : "");
  }
  return 0;
}

int user_create(const config::Config& config, const NewUserArgs& args) {
  auto email = normalize_email(args.email);
  if (!email) {
    std::cerr << "objectvision: not a valid email address: " << args.email << "\n";
    return kExitConfig;
  }
  if (args.password.size() < 8) {
    std::cerr << "objectvision: the password needs at least 8 characters\n";
    return kExitConfig;
  }
  auto db = open(config);
  if (!db) return kExitFailure;
  if (auto r = db->migrate_up(); !r) {
    std::cerr << "objectvision: migrations: " << r.error().message << "\n";
    return kExitFailure;
  }
  auth::PasswordHasher hasher({config.argon2_ops, config.argon2_memory_kib * 1024});
  storage::NewUser user{*email, hasher.hash(args.password),
                        args.name.empty() ? email->substr(0, email->find('@')) : args.name,
                        args.admin ? Role::admin : Role::user};
  auto created = db->users().create(user);
  if (!created) {
    std::cerr << "objectvision: "
              << (created.error().code == Errc::conflict ? "a user with this email already exists"
                                                         : created.error().message)
              << "\n";
    return kExitFailure;
  }
  std::printf("%s\n", created->id.c_str());
  return 0;
}

int backup(const config::Config& config, const std::string& dest) {
  auto made = make_backup(config, dest);
  if (!made) {
    std::cerr << "objectvision: backup: " << made.error().message << "\n";
    return kExitFailure;
  }
  std::printf("%s\n", made.value().c_str());
  return 0;
}

int restore(const config::Config& config, const std::string& source) {
  if (auto restored = storage::restore_sqlite(config.database_url, source); !restored) {
    std::cerr << "objectvision: restore: " << restored.error().message << "\n";
    return restored.error().code == Errc::invalid_argument ? kExitConfig : kExitFailure;
  }
  // A backup from an older binary is brought up to date now, not at the next start.
  auto db = open(config);
  if (!db) return kExitFailure;
  auto applied = db->migrate_up();
  if (!applied) {
    std::cerr << "objectvision: restore: migrations: " << applied.error().message << "\n";
    return kExitFailure;
  }
  std::printf("restored %s into %s (%d migration(s) applied)\n", source.c_str(),
              config.database_url.c_str(), applied.value());
  return 0;
}

int config_check(const config::Config& config) {
  if (auto ok = check_schedules(config); !ok) {
    std::fprintf(stderr, "objectvision: %s\n", ok.error().message.c_str());
    return kExitConfig;
  }
  for (const auto& [name, value] : config::describe(config)) {
    std::printf("%s=%s\n", name.c_str(), value.c_str());
  }
  return 0;
}

}  // namespace ov::app
