#include "files/s3_store.hpp"

#include <utility>

namespace ov::files {
S3FileStore::S3FileStore(objstore::S3Settings settings) : client_(std::move(settings)) {}

std::string S3FileStore::location() const {
  return "s3://" + client_.settings().bucket + "/" + client_.settings().prefix + " at " +
         client_.settings().endpoint;
}

std::optional<std::string> S3FileStore::link(const std::string& key,
                                             std::chrono::seconds ttl) const {
  if (!valid_key(key)) return std::nullopt;
  return client_.presigned_get(key, ttl);
}

Result<void> S3FileStore::put(const std::string& key, std::string_view data) {
  return client_.put(key, data, content_type(key));
}

Result<std::string> S3FileStore::get(const std::string& key) const {
  return client_.get(key);
}

Result<bool> S3FileStore::contains(const std::string& key) const {
  auto info = client_.head(key);
  if (info) return true;
  if (info.error().code == Errc::not_found) return false;
  return info.error();
}

Result<void> S3FileStore::erase(const std::string& key) {
  return client_.remove(key);
}

Result<void> S3FileStore::erase_detection(std::string_view detection_id) {
  return client_.remove_prefix(std::string(detection_id) + "/");
}

}  // namespace ov::files
