#include "storage/sql/dialect.hpp"

#include <fmt/format.h>

namespace ov::storage::sql {
namespace {
// pg_advisory_lock key for migrations: "OVmigr" in ASCII.
constexpr const char* kPgLock = "SELECT pg_advisory_lock(87232621406066)";
constexpr const char* kPgUnlock = "SELECT pg_advisory_unlock(87232621406066)";
}  // namespace

const char* Dialect::name() const {
  return kind_ == Kind::sqlite ? "sqlite" : "postgresql";
}

std::string Dialect::time_param(int n) const {
  if (kind_ == Kind::sqlite) return fmt::format("${}", n);
  return fmt::format("(TIMESTAMPTZ 'epoch' + CAST(${} AS BIGINT) * INTERVAL '1 millisecond')", n);
}

std::string Dialect::utc_day(std::string_view column) const {
  if (kind_ == Kind::sqlite) {
    return fmt::format("strftime('%Y-%m-%d', {} / 1000, 'unixepoch')", column);
  }
  return fmt::format("to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD')", column);
}

std::string Dialect::time_column(std::string_view column) const {
  if (kind_ == Kind::sqlite) return std::string(column);
  return fmt::format("CAST(EXTRACT(EPOCH FROM {}) * 1000 AS BIGINT)", column);
}

const char* Dialect::begin_write() const {
  return kind_ == Kind::sqlite ? "BEGIN IMMEDIATE" : "BEGIN";
}

const char* Dialect::for_update() const {
  return kind_ == Kind::sqlite ? "" : " FOR UPDATE";
}

const char* Dialect::lock_migrations_sql() const {
  return kind_ == Kind::sqlite ? "" : kPgLock;
}

const char* Dialect::unlock_migrations_sql() const {
  return kind_ == Kind::sqlite ? "" : kPgUnlock;
}

std::string Dialect::create_migrations_table_sql() const {
  if (kind_ == Kind::sqlite) {
    return "CREATE TABLE IF NOT EXISTS schema_migrations ("
           "version INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL, "
           "applied_at INTEGER NOT NULL) STRICT";
  }
  return "CREATE TABLE IF NOT EXISTS schema_migrations ("
         "version integer PRIMARY KEY, name text NOT NULL, "
         "applied_at timestamptz NOT NULL DEFAULT now())";
}

const char* Dialect::migrations_table_exists_sql() const {
  if (kind_ == Kind::sqlite) {
    return "SELECT count(*) > 0 FROM sqlite_master "
           "WHERE type = 'table' AND name = 'schema_migrations'";
  }
  return "SELECT to_regclass('schema_migrations') IS NOT NULL";
}

}  // namespace ov::storage::sql
