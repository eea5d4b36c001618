#pragma once
// The migration files compiled into the binary (generated at build time from
// src/storage/migrations/<backend>/NNNN_name.{up,down}.sql by embed_migrations.cmake).
#include <string_view>
#include <vector>

namespace ov::storage::sql {

struct MigrationFile {
  int version = 0;
  std::string_view name;
  std::string_view up;
  std::string_view down;
};

// backend: "sqlite" | "postgres". Sorted by version.
std::vector<MigrationFile> embedded_migrations(std::string_view backend);

}  // namespace ov::storage::sql
