#pragma once
// Files as objects of a bucket of an S3-compatible store (objstore::S3Client): a key is the
// object's name under the client's prefix. A PUT is whole or nothing on every S3 store, so a
// reader never sees half a file either.
#include <string>

#include "files/file_store.hpp"
#include "objstore/s3_client.hpp"

namespace ov::files {

class S3FileStore final : public FileStore {
 public:
  explicit S3FileStore(objstore::S3Settings settings);

  std::string location() const override;
  std::optional<std::string> link(const std::string& key, std::chrono::seconds ttl) const override;
  objstore::S3Client& client() { return client_; }

 protected:
  Result<void> put(const std::string& key, std::string_view data) override;
  Result<std::string> get(const std::string& key) const override;
  Result<bool> contains(const std::string& key) const override;
  Result<void> erase(const std::string& key) override;
  Result<void> erase_detection(std::string_view detection_id) override;

 private:
  objstore::S3Client client_;
};

}  // namespace ov::files
