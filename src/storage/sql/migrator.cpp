#include "storage/sql/migrator.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql/transaction.hpp"

namespace ov::storage::sql {

Migrator::Migrator(Pool& pool, Dialect dialect, std::vector<MigrationFile> files)
    : pool_(pool), dialect_(dialect), files_(std::move(files)) {
  std::sort(files_.begin(), files_.end(),
            [](const MigrationFile& a, const MigrationFile& b) { return a.version < b.version; });
}

const MigrationFile* Migrator::find(int version) const {
  for (const auto& f : files_) {
    if (f.version == version) return &f;
  }
  return nullptr;
}

Result<Migrator::AppliedMap> Migrator::applied(Connection& conn) {
  auto exists = conn.query(dialect_.migrations_table_exists_sql(), {});
  if (!exists) return exists.error();
  AppliedMap out;
  if (exists.value().rows.empty() || !exists.value().rows[0].boolean(0)) return out;
  auto rows = conn.query(fmt::format("SELECT version, name, {} FROM schema_migrations",
                                     dialect_.time_column("applied_at")),
                         {});
  if (!rows) return rows.error();
  for (const auto& row : rows.value().rows) {
    out[static_cast<int>(row.integer(0))] = Applied{row.text(1), row.integer(2)};
  }
  return out;
}

Result<void> Migrator::refuse_unknown(const AppliedMap& applied) const {
  for (const auto& [version, entry] : applied) {
    if (find(version) == nullptr) {
      int newest = files_.empty() ? 0 : files_.back().version;
      return Error{Errc::conflict,
                   fmt::format("the database has migration {} ({}) applied, which this binary "
                               "does not know (it knows up to {}): the binary is older than the "
                               "database; upgrade it",
                               version, entry.name, newest)};
    }
  }
  return {};
}

template <class F>
auto Migrator::locked(Connection& conn, F&& body) -> decltype(body()) {
  std::string_view lock = dialect_.lock_migrations_sql();
  if (lock.empty()) return body();
  if (auto held = conn.query(lock, {}); !held) return held.error();
  auto result = body();
  (void)conn.query(dialect_.unlock_migrations_sql(), {});  // also released if the session dies
  return result;
}

// One write transaction: re-reads what is applied (another process may have moved on while we
// waited for the lock), applies the first pending migration. False when none is pending.
Result<bool> Migrator::apply_next(Connection& conn) {
  return in_transaction(conn, dialect_, [&]() -> Result<bool> {
    if (auto made = conn.run_script(dialect_.create_migrations_table_sql()); !made) {
      return made.error();
    }
    auto done = applied(conn);
    if (!done) return done.error();
    if (auto known = refuse_unknown(done.value()); !known) return known.error();
    auto next = std::find_if(files_.begin(), files_.end(), [&](const MigrationFile& f) {
      return !done.value().contains(f.version);
    });
    if (next == files_.end()) return false;
    if (auto ran = conn.run_script(next->up); !ran) {
      return Error{ran.error().code, fmt::format("migration {:04}_{} up: {}", next->version,
                                                 next->name, ran.error().message)};
    }
    auto recorded = conn.query(fmt::format("INSERT INTO schema_migrations (version, name, "
                                           "applied_at) VALUES ($1, $2, {})",
                                           dialect_.time_param(3)),
                               {std::int64_t{next->version}, std::string(next->name), now_ms()});
    if (!recorded) return recorded.error();
    return true;
  });
}

Result<bool> Migrator::revert_newest(Connection& conn) {
  return in_transaction(conn, dialect_, [&]() -> Result<bool> {
    auto done = applied(conn);
    if (!done) return done.error();
    if (done.value().empty()) return false;
    if (auto known = refuse_unknown(done.value()); !known) return known.error();
    const MigrationFile* newest = find(done.value().rbegin()->first);
    if (auto ran = conn.run_script(newest->down); !ran) {
      return Error{ran.error().code, fmt::format("migration {:04}_{} down: {}", newest->version,
                                                 newest->name, ran.error().message)};
    }
    auto removed = conn.query("DELETE FROM schema_migrations WHERE version = $1",
                              {std::int64_t{newest->version}});
    if (!removed) return removed.error();
    return true;
  });
}

Result<int> Migrator::up() {
  return pool_.with([&](Connection& conn) -> Result<int> {
    return locked(conn, [&]() -> Result<int> {
      int count = 0;
      for (;;) {
        auto step = apply_next(conn);
        if (!step) return step.error();
        if (!step.value()) return count;
        ++count;
      }
    });
  });
}

Result<int> Migrator::down(int steps) {
  if (steps < 0) return Error{Errc::invalid_argument, "migrate down: steps must be >= 0"};
  return pool_.with([&](Connection& conn) -> Result<int> {
    return locked(conn, [&]() -> Result<int> {
      int count = 0;
      while (count < steps) {
        auto step = revert_newest(conn);
        if (!step) return step.error();
        if (!step.value()) break;
        ++count;
      }
      return count;
    });
  });
}

Result<std::vector<MigrationState>> Migrator::list() {
  auto done = pool_.with([&](Connection& conn) { return applied(conn); });
  if (!done) return done.error();
  std::map<int, MigrationState> states;
  for (const auto& f : files_) states[f.version] = MigrationState{f.version, std::string(f.name)};
  for (const auto& [version, entry] : done.value()) {
    auto& state = states[version];
    state.version = version;
    if (state.name.empty()) state.name = entry.name;
    state.applied = true;
    state.applied_at_ms = entry.applied_at_ms;
  }
  std::vector<MigrationState> out;
  for (auto& [version, state] : states) out.push_back(std::move(state));
  return out;
}

Result<bool> Migrator::current() {
  auto done = pool_.with([&](Connection& conn) { return applied(conn); });
  if (!done) return done.error();
  if (!refuse_unknown(done.value())) return false;
  return std::all_of(files_.begin(), files_.end(),
                     [&](const MigrationFile& f) { return done.value().contains(f.version); });
}

}  // namespace ov::storage::sql
