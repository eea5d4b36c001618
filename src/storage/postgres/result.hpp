#pragma once
// Between libpq and the sql:: values: parameters as text, results typed by column OID,
// errors classified by SQLSTATE.
#include <libpq-fe.h>

#include <string>
#include <string_view>
#include <vector>

#include "storage/sql/connection.hpp"

namespace ov::storage::postgres {

// Parameters in libpq's text format (NULL stays a null pointer); the server infers the types.
class TextParams {
 public:
  explicit TextParams(const sql::Params& params);
  const char* const* values() const { return pointers_.data(); }

 private:
  std::vector<std::string> text_;
  std::vector<const char*> pointers_;
};

sql::QueryResult read_result(const PGresult* res);

// Errc from the SQLSTATE (or from the connection state when there is none).
Error error_from(PGconn* conn, const PGresult* res, std::string_view what);

// True when the server refused the statement because it was ending the session
// (SQLSTATE class 57P: admin shutdown, crash shutdown, cannot connect now).
bool refused_at_shutdown(const PGresult* res);

}  // namespace ov::storage::postgres
