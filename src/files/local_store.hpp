#pragma once
// Files under a local directory: atomic (a temporary file renamed into place, so a reader never
// sees half a file) and durable (the file and its directory are fsynced before write()
// returns). A full disk is Errc::no_space.
#include <optional>
#include <string>

#include "files/file_store.hpp"

namespace ov::files {

class LocalFileStore final : public FileStore {
 public:
  explicit LocalFileStore(std::string root);  // created on first write

  // Absolute path of a key, or nullopt when the key is not one of ours.
  std::optional<std::string> path(const std::string& key) const;
  std::string location() const override;

 protected:
  Result<void> put(const std::string& key, std::string_view data) override;
  Result<std::string> get(const std::string& key) const override;
  Result<bool> contains(const std::string& key) const override;
  Result<void> erase(const std::string& key) override;
  Result<void> erase_detection(std::string_view detection_id) override;

 private:
  std::string root_;
};

}  // namespace ov::files
