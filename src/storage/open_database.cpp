// open_database: picks the backend by URL scheme and assembles pool, dialect and migrations.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "storage/database.hpp"
#include "storage/postgres/connection.hpp"
#include "storage/sql/sql_database.hpp"
#include "storage/sql/traced_connection.hpp"
#include "storage/sqlite/connection.hpp"

namespace ov::storage {
namespace {

// SQLite has one writer at a time; a few connections let readers run beside it.
constexpr int kSqliteMaxConnections = 4;
constexpr std::string_view kSqliteScheme = "sqlite://";

Result<std::unique_ptr<Database>> finish(sql::Dialect dialect, std::unique_ptr<sql::Pool> pool,
                                         std::string_view migrations) {
  {
    auto first = pool->acquire();  // proves the database can be reached; stays pooled
    if (!first) return first.error();
  }
  return std::unique_ptr<Database>(std::make_unique<sql::SqlDatabase>(
      dialect, std::move(pool), sql::embedded_migrations(migrations)));
}

Result<std::unique_ptr<Database>> open_sqlite(const std::string& path, const DbConfig& config) {
  if (path.empty()) return Error{Errc::invalid_argument, "sqlite URL has no file path"};
  bool in_memory = path == ":memory:";
  if (!in_memory) {
    std::error_code ec;
    auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Error{Errc::unavailable,
                   "cannot create directory " + parent.string() + ": " + ec.message()};
    }
  }
  int busy_ms = std::max(config.connect_timeout_s, 1) * 1000;
  // Every connection to ":memory:" is a database of its own: keep to one.
  int size = in_memory ? 1 : std::clamp(config.pool_size, 1, kSqliteMaxConnections);
  auto pool = std::make_unique<sql::Pool>(
      [path, busy_ms]() -> Result<std::unique_ptr<sql::Connection>> {
        auto conn = sqlite::open_connection(path, busy_ms);
        if (!conn) return conn.error();
        return sql::traced(std::move(conn.value()), "sqlite");
      },
      size, std::chrono::seconds(config.acquire_timeout_s));
  return finish(sql::Dialect(sql::Dialect::Kind::sqlite), std::move(pool), "sqlite");
}

Result<std::unique_ptr<Database>> open_postgres(const DbConfig& config) {
  std::string url = config.url;
  int timeout = std::max(config.connect_timeout_s, 1);
  auto pool = std::make_unique<sql::Pool>(
      [url, timeout]() -> Result<std::unique_ptr<sql::Connection>> {
        auto conn = postgres::open_connection(url, timeout);
        if (!conn) return conn.error();
        return sql::traced(std::move(conn.value()), "postgresql");
      },
      config.pool_size, std::chrono::seconds(config.acquire_timeout_s));
  return finish(sql::Dialect(sql::Dialect::Kind::postgres), std::move(pool), "postgres");
}

}  // namespace

Result<std::unique_ptr<Database>> open_database(const DbConfig& config) {
  if (config.pool_size < 1) return Error{Errc::invalid_argument, "pool_size must be at least 1"};
  if (config.acquire_timeout_s < 0) {
    return Error{Errc::invalid_argument, "acquire_timeout_s must not be negative"};
  }
  std::string_view url = config.url;
  // sqlite:///abs/path.db -> /abs/path.db; sqlite://relative/path.db -> relative/path.db
  if (url.starts_with(kSqliteScheme)) {
    return open_sqlite(std::string(url.substr(kSqliteScheme.size())), config);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return open_postgres(config);
  }
  return Error{Errc::invalid_argument,
               "unsupported database URL: expected sqlite://, postgresql:// or postgres://"};
}

}  // namespace ov::storage
