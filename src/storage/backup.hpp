#pragma once
// Backups of the embedded (SQLite) database, taken while it is in use with SQLite's online
// backup API: the copy is consistent as of one moment, and writers are never blocked for long
// (a few pages at a time). PostgreSQL deployments back up with the server's own tools.
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ov::storage {

// The SQLite file a sqlite:// URL names; Errc::invalid_argument for any other URL.
Result<std::string> sqlite_path(const std::string& database_url);

// Copies the database into `dest`: written under a temporary name, fsynced, renamed into place,
// the directory fsynced. Errc::unavailable when the copy cannot be made (disk full...).
Result<void> backup_sqlite(const std::string& database_url, const std::string& dest);

// Replaces the database's content with the backup at `source` after checking that it is an
// intact SQLite database of this service (integrity check, a schema_migrations table). Meant
// for a stopped service: other connections would keep reading what they cached.
Result<void> restore_sqlite(const std::string& database_url, const std::string& source);

}  // namespace ov::storage
