#pragma once
// Files of detection jobs (uploads and annotated images) under DATA_DIR/files, with names the
// server makes: a key is "<detection_id>/<image_id>.<kind>.<ext>". Writes are atomic (a
// temporary file renamed into place), so a reader never sees half a file, and durable (the
// file and its directory are fsynced before write() returns), so that a record the database
// commits afterwards never points at a file a crash took away. A full disk is Errc::no_space.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ov::files {

class FileStore {
 public:
  explicit FileStore(std::string root);  // created on first write

  static std::string key(std::string_view detection_id, std::string_view image_id,
                         std::string_view kind, std::string_view extension);

  Result<void> write(const std::string& key, std::span<const std::uint8_t> data);
  Result<void> write(const std::string& key, std::string_view data);
  // The whole file; Errc::not_found when missing.
  Result<std::string> read(const std::string& key) const;
  // Absolute path of a key (for streaming), or nullopt when the key is not one of ours.
  std::optional<std::string> path(const std::string& key) const;
  // Removes one file; a file that is not there is fine (removed already).
  Result<void> remove(const std::string& key);
  // Removes every file of a detection.
  void remove_detection(std::string_view detection_id);

 private:
  Result<void> write_durably(const std::string& key, std::string_view data);
  Result<std::string> read_whole(const std::string& key) const;
  std::string root_;
};

}  // namespace ov::files
