#pragma once
// Runs a body inside a write transaction: COMMIT when it returns a value, ROLLBACK when it
// returns an error. A body that throws leaves the transaction open; the pool then drops the
// connection (Connection::unusable), which rolls it back.
#include "storage/sql/connection.hpp"
#include "storage/sql/dialect.hpp"

namespace ov::storage::sql {

template <class F>
auto in_transaction(Connection& conn, const Dialect& dialect, F&& body) -> decltype(body()) {
  if (auto begun = conn.query(dialect.begin_write(), {}); !begun) return begun.error();
  auto result = body();
  if (!result) {
    (void)conn.query("ROLLBACK", {});
    return result;
  }
  if (auto committed = conn.query("COMMIT", {}); !committed) {
    (void)conn.query("ROLLBACK", {});
    return committed.error();
  }
  return result;
}

// Throws StorageError: for the repository calls whose signature has no room for an error.
[[noreturn]] void raise(const Error& error);

// The value of a Result, or StorageError.
template <class T>
T value_or_raise(Result<T>&& result) {
  if (!result) raise(result.error());
  return std::move(result).value();
}

}  // namespace ov::storage::sql
