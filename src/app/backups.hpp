#pragma once
// Backups of the embedded database in DATA_DIR/backups: the nightly scheduled task,
// `objectvision backup` and `objectvision restore FILE`.
#include <string>

#include "config/config.hpp"
#include "core/error.hpp"

namespace ov::app {

// A new backup (objectvision-<UTC time>.sqlite in DATA_DIR/backups, or `dest` when given),
// then backups in that directory older than BACKUP_KEEP days are deleted (the newest is always
// kept). Returns what was done, for the task's result.
Result<std::string> make_backup(const config::Config& config, const std::string& dest = "");

}  // namespace ov::app
