#pragma once
// Applies and reverts the embedded migrations, recording them in schema_migrations.
// Each migration runs in its own write transaction; PostgreSQL also holds an advisory lock
// for the whole run, SQLite's BEGIN IMMEDIATE already serialises writers across processes.
#include <map>
#include <string>
#include <vector>

#include "storage/database.hpp"
#include "storage/sql/dialect.hpp"
#include "storage/sql/migration_files.hpp"
#include "storage/sql/pool.hpp"

namespace ov::storage::sql {

class Migrator {
 public:
  Migrator(Pool& pool, Dialect dialect, std::vector<MigrationFile> files);

  Result<int> up();
  Result<int> down(int steps);
  Result<std::vector<MigrationState>> list();
  // Every known migration applied, and none the binary does not know.
  Result<bool> current();

 private:
  struct Applied {
    std::string name;
    std::int64_t applied_at_ms = 0;
  };
  using AppliedMap = std::map<int, Applied>;

  Result<AppliedMap> applied(Connection& conn);
  Result<void> refuse_unknown(const AppliedMap& applied) const;
  const MigrationFile* find(int version) const;
  // Runs body(conn) while holding the session-wide migration lock (if the dialect has one).
  template <class F>
  auto locked(Connection& conn, F&& body) -> decltype(body());
  Result<bool> apply_next(Connection& conn);
  Result<bool> revert_newest(Connection& conn);

  Pool& pool_;
  Dialect dialect_;
  std::vector<MigrationFile> files_;
};

}  // namespace ov::storage::sql
