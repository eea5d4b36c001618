#include "storage/sqlite/connection.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <fmt/format.h>

namespace ov::storage::sqlite {
namespace {

Errc classify(int extended_code) {
  switch (extended_code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return Errc::conflict;
    default:
      break;
  }
  switch (extended_code & 0xff) {
    case SQLITE_CONSTRAINT:
      return Errc::invalid_argument;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return Errc::unavailable;
    default:
      return Errc::internal;
  }
}

// The write lock's hand-over between this process's connections. SQLite's own busy handler
// sleeps 1, 2, 5, 10, 15... ms between tries, however soon the holder lets go: two job workers
// and a request that write at nearly the same moment lost milliseconds each. Here a connection
// that may have let the lock go says so (released()), and one waiting for it tries again at
// once. Other processes on the same file (a CLI command) are still seen: a waiter also tries
// again after a short time.
class WriteGate {
 public:
  // Read before each attempt at the lock: a release after it is never missed.
  std::uint64_t releases() const { return releases_.load(); }

  void released() {
    releases_.fetch_add(1);
    if (waiting_.load() > 0) {
      std::lock_guard lock(mu_);
      changed_.notify_all();
    }
  }

  // Until a release after `seen`, or `at_most`.
  void wait(std::uint64_t seen, std::chrono::milliseconds at_most) {
    waits_.fetch_add(1, std::memory_order_relaxed);
    std::unique_lock lock(mu_);
    waiting_.fetch_add(1);
    changed_.wait_for(lock, at_most, [&] { return releases_.load() != seen; });
    waiting_.fetch_sub(1);
  }

  std::uint64_t waits() const { return waits_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> releases_{0};
  std::atomic<std::uint64_t> waits_{0};
  std::atomic<int> waiting_{0};
  std::mutex mu_;
  std::condition_variable changed_;
};

WriteGate& write_gate() {
  static auto* gate = new WriteGate;  // never destroyed: connections may outlive statics
  return *gate;
}

class SqliteConnection final : public sql::Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;
  ~SqliteConnection() override {
    for (auto& [sql, prepared] : statements_) sqlite3_finalize(prepared.stmt);
    sqlite3_close_v2(db_);
  }

  Result<sql::QueryResult> query(std::string_view sql, const sql::Params& params) override {
    auto stmt = statement(sql);
    if (!stmt) return stmt.error();
    sqlite3_stmt* s = stmt.value()->stmt;
    if (auto bound = bind(*stmt.value(), params); !bound) {
      sqlite3_clear_bindings(s);
      return bound.error();
    }
    sql::QueryResult result;
    int rc = SQLITE_OK;
    const bool in_transaction = sqlite3_get_autocommit(db_) == 0;
    seen_ = write_gate().releases();
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) result.rows.push_back(read_row(s));
    // The write lock is let go at the end of a writing statement outside a transaction, and
    // at the end of a transaction (COMMIT and ROLLBACK count as read-only statements).
    if (sqlite3_get_autocommit(db_) != 0 && (in_transaction || sqlite3_stmt_readonly(s) == 0)) {
      write_gate().released();
    }
    if (rc != SQLITE_DONE) {
      Error error = failure("query");
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
      return error;
    }
    if (sqlite3_stmt_readonly(s) == 0) result.affected = sqlite3_changes64(db_);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return result;
  }

  Result<void> run_script(std::string_view sql) override {
    std::string text(sql);
    seen_ = write_gate().releases();
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (sqlite3_get_autocommit(db_) != 0) write_gate().released();
    if (rc != SQLITE_OK) return failure("script");
    return {};
  }

  Result<void> revalidate() override { return {}; }

  // Left inside a transaction (a body threw): closing it rolls back.
  bool unusable() const override { return sqlite3_get_autocommit(db_) == 0; }

  Result<void> configure(int busy_timeout_ms) {
    sqlite3_extended_result_codes(db_, 1);
    busy_timeout_ = std::chrono::milliseconds(std::max(0, busy_timeout_ms));
    sqlite3_busy_handler(db_, &SqliteConnection::on_busy, this);
    return run_script(
        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;");
  }

 private:
  // SQLite asks whether to try again for the lock (`tries` so far for this attempt): after the
  // next release by this process, or a short wait, until the busy timeout has passed.
  static int on_busy(void* self, int tries) {
    auto& c = *static_cast<SqliteConnection*>(self);
    const auto now = std::chrono::steady_clock::now();
    if (tries == 0) c.busy_since_ = now;
    const auto left = c.busy_timeout_ -
                      std::chrono::duration_cast<std::chrono::milliseconds>(now - c.busy_since_);
    if (left.count() <= 0) return 0;
    const std::chrono::milliseconds pause(std::min(1 + tries, 10));
    write_gate().wait(c.seen_, std::min(pause, left));
    c.seen_ = write_gate().releases();
    return 1;
  }

  Error failure(std::string_view what) const {
    int code = sqlite3_extended_errcode(db_);
    return Error{classify(code), fmt::format("sqlite {}: {}", what, sqlite3_errmsg(db_))};
  }

  // A statement, prepared once per connection, with the index SQLite gave each of its
  // placeholders $1..$n (found once here: binding is then by position).
  struct Prepared {
    sqlite3_stmt* stmt = nullptr;
    std::vector<int> index;  // index[i]: the parameter index of $(i + 1)
  };

  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  Result<const Prepared*> statement(std::string_view sql) {
    if (auto found = statements_.find(sql); found != statements_.end()) return &found->second;
    std::string key(sql);
    Prepared prepared;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, key.c_str(), static_cast<int>(key.size() + 1),
                                SQLITE_PREPARE_PERSISTENT, &prepared.stmt, &tail);
    if (rc != SQLITE_OK) return failure("prepare");
    if (prepared.stmt == nullptr ||
        (tail != nullptr &&
         std::string_view(tail).find_first_not_of(" \t\r\n;") != std::string_view::npos)) {
      sqlite3_finalize(prepared.stmt);
      return Error{Errc::internal, "sqlite prepare: expected exactly one statement"};
    }
    // Placeholders are $1..$n; SQLite treats each as a named parameter.
    const int count = sqlite3_bind_parameter_count(prepared.stmt);
    for (int i = 1; i <= count; ++i) {
      const std::string name = "$" + std::to_string(i);
      const int index = sqlite3_bind_parameter_index(prepared.stmt, name.c_str());
      if (index == 0) {
        sqlite3_finalize(prepared.stmt);
        return Error{Errc::internal, "sqlite prepare: no placeholder " + name};
      }
      prepared.index.push_back(index);
    }
    auto [it, inserted] = statements_.emplace(std::move(key), std::move(prepared));
    return &it->second;
  }

  // The values stay alive until the statement is reset and its bindings cleared (query()):
  // SQLite need not copy them.
  Result<void> bind(const Prepared& p, const sql::Params& params) {
    if (p.index.size() != params.size()) {
      return Error{Errc::internal,
                   fmt::format("sqlite bind: statement takes {} parameters, {} given",
                               p.index.size(), params.size())};
    }
    for (std::size_t i = 0; i < params.size(); ++i) {
      const int index = p.index[i];
      int rc = std::visit(
          [&](const auto& v) -> int {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, sql::Null>) {
              return sqlite3_bind_null(p.stmt, index);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
              return sqlite3_bind_int64(p.stmt, index, v);
            } else if constexpr (std::is_same_v<T, double>) {
              return sqlite3_bind_double(p.stmt, index, v);
            } else if constexpr (std::is_same_v<T, bool>) {
              return sqlite3_bind_int(p.stmt, index, v ? 1 : 0);
            } else {
              return sqlite3_bind_text64(p.stmt, index, v.data(), v.size(), SQLITE_STATIC,
                                         SQLITE_UTF8);
            }
          },
          params[i]);
      if (rc != SQLITE_OK) return failure("bind");
    }
    return {};
  }

  static sql::Row read_row(sqlite3_stmt* s) {
    int n = sqlite3_column_count(s);
    std::vector<sql::Value> cells;
    cells.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
      switch (sqlite3_column_type(s, i)) {
        case SQLITE_INTEGER:
          cells.emplace_back(std::int64_t{sqlite3_column_int64(s, i)});
          break;
        case SQLITE_FLOAT:
          cells.emplace_back(sqlite3_column_double(s, i));
          break;
        case SQLITE_NULL:
          cells.emplace_back(sql::Null{});
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
          cells.emplace_back(
              std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(s, i))));
        }
      }
    }
    return sql::Row(std::move(cells));
  }

  sqlite3* db_;
  std::chrono::milliseconds busy_timeout_{0};
  std::chrono::steady_clock::time_point busy_since_;
  std::uint64_t seen_ = 0;  // the gate's releases before this connection's latest attempt
  std::unordered_map<std::string, Prepared, TextHash, std::equal_to<>> statements_;
};

}  // namespace

std::uint64_t busy_waits() {
  return write_gate().waits();
}

Result<std::unique_ptr<sql::Connection>> open_connection(const std::string& path,
                                                         int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return Error{Errc::unavailable,
                 fmt::format("cannot open SQLite database {}: {}", path, message)};
  }
  auto conn = std::make_unique<SqliteConnection>(db);
  if (auto configured = conn->configure(busy_timeout_ms); !configured) {
    Error error = configured.error();
    error.message = fmt::format("cannot open SQLite database {}: {}", path, error.message);
    if (error.code != Errc::unavailable) error.code = Errc::unavailable;
    return error;
  }
  return std::unique_ptr<sql::Connection>(std::move(conn));
}

}  // namespace ov::storage::sqlite
