#include "storage/backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <thread>

#include <fmt/format.h>

namespace ov::storage {
namespace {

constexpr std::string_view kScheme = "sqlite://";
constexpr int kPagesPerStep = 256;  // the source is locked only while a step copies

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Handle = std::unique_ptr<sqlite3, Closer>;

Result<Handle> open(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Handle db(raw);
  if (rc != SQLITE_OK) {
    return Error{Errc::unavailable, fmt::format("cannot open {}: {}", path,
                                                raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
  }
  sqlite3_busy_timeout(db.get(), 5000);
  return db;
}

// Copies every page of `from` into `to`, a few at a time, waiting briefly while the source
// is busy.
Result<void> copy(sqlite3* from, sqlite3* to, const std::string& what) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) {
    return Error{Errc::unavailable, fmt::format("{}: {}", what, sqlite3_errmsg(to))};
  }
  int rc = SQLITE_OK;
  while (true) {
    rc = sqlite3_backup_step(backup, kPagesPerStep);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) continue;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      continue;
    }
    break;
  }
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) {
    return Error{rc == SQLITE_FULL ? Errc::unavailable : Errc::internal,
                 fmt::format("{}: {}", what, sqlite3_errstr(rc))};
  }
  return {};
}

Result<void> fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return Error{Errc::unavailable, fmt::format("cannot open {} to sync it", path)};
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error{Errc::unavailable, fmt::format("cannot sync {}", path)};
  return {};
}

Result<std::string> single_text(sqlite3* db, const char* sql) {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) {
    return Error{Errc::invalid_argument, sqlite3_errmsg(db)};
  }
  std::string out;
  int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
    return Error{Errc::invalid_argument, sqlite3_errmsg(db)};
  }
  return out;
}

}  // namespace

Result<std::string> sqlite_path(const std::string& database_url) {
  if (!std::string_view(database_url).starts_with(kScheme) ||
      database_url.size() == kScheme.size() || database_url.ends_with(":memory:")) {
    return Error{Errc::invalid_argument,
                 "backups are made of the embedded SQLite database (DATABASE_URL sqlite://...); "
                 "back PostgreSQL up with pg_dump or its own tools"};
  }
  return database_url.substr(kScheme.size());
}

Result<void> backup_sqlite(const std::string& database_url, const std::string& dest) {
  auto path = sqlite_path(database_url);
  if (!path) return path.error();
  auto source = open(*path, SQLITE_OPEN_READONLY);
  if (!source) return source.error();
  const std::string temp = dest + ".partial";
  std::error_code ec;
  std::filesystem::remove(temp, ec);
  {
    auto target = open(temp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (!target) return target.error();
    if (auto copied = copy(source->get(), target->get(), "backup of " + *path); !copied) {
      target->reset();
      std::filesystem::remove(temp, ec);
      return copied.error();
    }
    // The copy is a plain database file (no WAL of its own to carry along).
    (void)single_text(target->get(), "PRAGMA journal_mode=DELETE");
  }
  if (auto synced = fsync_path(temp, false); !synced) return synced.error();
  std::filesystem::rename(temp, dest, ec);
  if (ec) {
    std::filesystem::remove(temp, ec);
    return Error{Errc::unavailable, fmt::format("cannot rename the backup into {}", dest)};
  }
  auto dir = std::filesystem::path(dest).parent_path();
  return fsync_path(dir.empty() ? "." : dir.string(), true);
}

Result<void> restore_sqlite(const std::string& database_url, const std::string& source_path) {
  auto path = sqlite_path(database_url);
  if (!path) return path.error();
  if (!std::filesystem::is_regular_file(source_path)) {
    return Error{Errc::not_found, fmt::format("no backup file {}", source_path)};
  }
  auto source = open(source_path, SQLITE_OPEN_READONLY);
  if (!source) return source.error();
  auto intact = single_text(source->get(), "PRAGMA integrity_check");
  if (!intact || *intact != "ok") {
    return Error{Errc::invalid_argument,
                 fmt::format("{} is not an intact SQLite database{}", source_path,
                             intact ? ": " + *intact : ": " + intact.error().message)};
  }
  auto ours = single_text(source->get(),
                          "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                          "name = 'schema_migrations'");
  if (!ours || ours->empty()) {
    return Error{
        Errc::invalid_argument,
        fmt::format("{} is not a backup of this service (no schema_migrations)", source_path)};
  }
  auto target = open(*path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  if (!target) return target.error();
  return copy(source->get(), target->get(), "restore of " + *path);
}

}  // namespace ov::storage
