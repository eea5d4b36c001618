#include "storage/sql/sql_database.hpp"

#include "storage/sql/transaction.hpp"

namespace ov::storage::sql {

SqlDatabase::SqlDatabase(Dialect dialect, std::unique_ptr<Pool> pool,
                         std::vector<MigrationFile> files)
    : dialect_(dialect),
      pool_(std::move(pool)),
      migrator_(*pool_, dialect, std::move(files)),
      users_(*pool_, dialect),
      tokens_(*pool_, dialect),
      jobs_(*pool_, dialect),
      queue_table_(*pool_, dialect),
      leases_(*pool_, dialect),
      schedules_(*pool_, dialect),
      mail_(*pool_, dialect) {}

Result<void> SqlDatabase::ping() {
  return pool_->with([](Connection& c) -> Result<void> {
    if (auto r = c.query("SELECT 1", {}); !r) return r.error();
    return {};
  });
}

std::vector<MigrationState> SqlDatabase::migrations() {
  return value_or_raise(migrator_.list());
}

bool SqlDatabase::migrations_current() {
  return value_or_raise(migrator_.current());
}

}  // namespace ov::storage::sql
