#pragma once
// The small SQL seam both backends implement: a connection runs one parameterised statement
// (placeholders $1..$n in both dialects) and hands back rows of plain values. Values always
// travel as parameters; SQL text is fixed in the repositories.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/error.hpp"

namespace ov::storage::sql {

struct Null {};
using Value = std::variant<Null, std::int64_t, double, std::string, bool>;
using Params = std::vector<Value>;

// One result row. Accessors convert between the shapes the two drivers return (SQLite has no
// boolean: 0/1). Reading a column that is not there is a programming error: std::out_of_range.
class Row {
 public:
  explicit Row(std::vector<Value> cells) : cells_(std::move(cells)) {}
  std::size_t size() const { return cells_.size(); }
  bool is_null(std::size_t i) const;
  std::string text(std::size_t i) const;  // "" for NULL
  std::optional<std::string> optional_text(std::size_t i) const;
  std::int64_t integer(std::size_t i) const;  // 0 for NULL
  std::optional<std::int64_t> optional_integer(std::size_t i) const;
  double real(std::size_t i) const;
  bool boolean(std::size_t i) const;

 private:
  std::vector<Value> cells_;
};

struct QueryResult {
  std::vector<Row> rows;
  std::int64_t affected = 0;  // rows changed by INSERT / UPDATE / DELETE
};

// A driver connection; used by one thread at a time (the pool hands it out).
// Errors: Errc::conflict for a unique violation, invalid_argument for another constraint,
// unavailable for a lost connection or a busy database, internal for the rest.
class Connection {
 public:
  virtual ~Connection() = default;
  virtual Result<QueryResult> query(std::string_view sql, const Params& params) = 0;
  // Several statements without parameters (migration files).
  virtual Result<void> run_script(std::string_view sql) = 0;
  // Called when the pool hands the connection out: repairs a connection found broken.
  virtual Result<void> revalidate() = 0;
  // True when the pool should drop it instead of keeping it (lost, or left in a transaction).
  virtual bool unusable() const = 0;
};

}  // namespace ov::storage::sql
