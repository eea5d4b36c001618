#pragma once
// Files of detection jobs (uploads and annotated images), with names the server makes: a key
// is "<detection_id>/<image_id>.<kind>.<ext>". Two stores behind one contract
// (tests/unit/files/file_store_test.cpp runs it on both):
// - LocalFileStore (local_store.hpp): files under a directory (DATA_DIR/files, the embedded
//   default); writes are atomic and durable (fsynced before write() returns);
// - S3FileStore (s3_store.hpp): objects of a bucket of an S3-compatible store, so that API
//   nodes and workers on different machines share no disk.
// Either way a record the database commits after write() never points at a missing file; a
// full disk or store is Errc::no_space, a store that cannot be reached Errc::unavailable.
// Every read and write is a span of the trace it serves.
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ov::files {

class FileStore {
 public:
  virtual ~FileStore() = default;

  static std::string key(std::string_view detection_id, std::string_view image_id,
                         std::string_view kind, std::string_view extension);
  // Keys are made by key(): ids and fixed words only. Anything else (.., /, NUL) is refused.
  static bool valid_key(std::string_view key);
  // The media type of a key's extension ("image/jpeg"), for stores and for serving.
  static std::string_view content_type(std::string_view key);

  Result<void> write(const std::string& key, std::span<const std::uint8_t> data);
  Result<void> write(const std::string& key, std::string_view data);
  // The whole file; Errc::not_found when missing.
  Result<std::string> read(const std::string& key) const;
  // Whether the file is there (a stat, or an S3 HEAD): false for a key that is not valid.
  Result<bool> exists(const std::string& key) const;
  // Removes one file; a file that is not there is fine (removed already).
  Result<void> remove(const std::string& key);
  // Removes every file of a detection (failures are logged: what is left is only space).
  void remove_detection(std::string_view detection_id);

  // Where the files are, for logs and `config check`: "file:///srv/data/files", "s3://b/p/".
  virtual std::string location() const = 0;
  // A URL that serves the file to anyone who has it until `ttl` passes (an S3 presigned URL);
  // nullopt when the store has none (a directory).
  virtual std::optional<std::string> link(const std::string& key, std::chrono::seconds ttl) const {
    (void)key;
    (void)ttl;
    return std::nullopt;
  }

 protected:
  // Called with valid keys only.
  virtual Result<void> put(const std::string& key, std::string_view data) = 0;
  virtual Result<std::string> get(const std::string& key) const = 0;
  virtual Result<bool> contains(const std::string& key) const = 0;
  virtual Result<void> erase(const std::string& key) = 0;
  virtual Result<void> erase_detection(std::string_view detection_id) = 0;
};

}  // namespace ov::files
