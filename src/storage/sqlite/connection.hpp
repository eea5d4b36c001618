#pragma once
// SQLite driver connection (C API): WAL, busy timeout, foreign keys on, synchronous=NORMAL,
// prepared statements cached per connection. A connection waiting for the write lock tries
// again as soon as another connection of this process lets it go (SQLite's own busy handler
// sleeps 1 ms and more between tries), until the busy timeout.
#include <cstdint>
#include <memory>
#include <string>

#include "storage/sql/connection.hpp"

namespace ov::storage::sqlite {

// Opens (creating when missing) the database file at path. Errc::unavailable when it cannot.
Result<std::unique_ptr<sql::Connection>> open_connection(const std::string& path,
                                                         int busy_timeout_ms);

// How many times a connection of this process has waited for the write lock.
std::uint64_t busy_waits();

}  // namespace ov::storage::sqlite
