#pragma once
// What differs in SQL text between SQLite and PostgreSQL, in one place. Both use $n
// placeholders and standard CAST; timestamps are INTEGER epoch ms in SQLite and timestamptz
// in PostgreSQL, and the repositories speak epoch ms through time_param / time_column.
#include <string>
#include <string_view>

namespace ov::storage::sql {

class Dialect {
 public:
  enum class Kind { sqlite, postgres };
  explicit Dialect(Kind kind) : kind_(kind) {}

  Kind kind() const { return kind_; }
  const char* name() const;  // "sqlite" | "postgresql": the Database::backend() value
  // Placeholder $n, holding epoch milliseconds, as a value of the timestamp column type.
  std::string time_param(int n) const;
  // A timestamp column (maybe qualified, "u.created_at") read back as epoch milliseconds.
  std::string time_column(std::string_view column) const;
  // A timestamp column as its UTC day, text "YYYY-MM-DD".
  std::string utc_day(std::string_view column) const;
  // Opens a transaction that will write: SQLite takes the write lock up front so that two
  // writers never deadlock on a lock upgrade.
  const char* begin_write() const;
  // " FOR UPDATE" where rows are locked one by one (PostgreSQL); "" where the write
  // transaction already holds the whole database (SQLite's BEGIN IMMEDIATE).
  const char* for_update() const;
  // Session-wide migration lock; empty where the write transaction already serialises.
  const char* lock_migrations_sql() const;
  const char* unlock_migrations_sql() const;
  std::string create_migrations_table_sql() const;
  const char* migrations_table_exists_sql() const;  // one row, one boolean column

 private:
  Kind kind_;
};

}  // namespace ov::storage::sql
