#pragma once
// SQLite driver connection (C API): WAL, busy timeout, foreign keys on, synchronous=NORMAL,
// prepared statements cached per connection.
#include <memory>
#include <string>

#include "storage/sql/connection.hpp"

namespace ov::storage::sqlite {

// Opens (creating when missing) the database file at path. Errc::unavailable when it cannot.
Result<std::unique_ptr<sql::Connection>> open_connection(const std::string& path,
                                                         int busy_timeout_ms);

}  // namespace ov::storage::sqlite
