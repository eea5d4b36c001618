#include "files/file_store.hpp"

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "obs/trace.hpp"

namespace ov::files {

std::string FileStore::key(std::string_view detection_id, std::string_view image_id,
                           std::string_view kind, std::string_view extension) {
  return std::string(detection_id) + "/" + std::string(image_id) + "." + std::string(kind) + "." +
         std::string(extension);
}

std::string_view FileStore::content_type(std::string_view key) {
  auto dot = key.rfind('.');
  std::string_view ext = dot == std::string_view::npos ? "" : key.substr(dot + 1);
  if (ext == "jpg") return "image/jpeg";
  if (ext == "png") return "image/png";
  if (ext == "webp") return "image/webp";
  if (ext == "bmp") return "image/bmp";
  if (ext == "tiff") return "image/tiff";
  return "application/octet-stream";
}

bool FileStore::valid_key(std::string_view key) {
  auto slash = key.find('/');
  if (slash == std::string_view::npos || key.find('/', slash + 1) != std::string_view::npos)
    return false;
  if (!is_uuid(key.substr(0, slash))) return false;
  for (char c : key.substr(slash + 1)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return key.find("..") == std::string_view::npos;
}

Result<void> FileStore::write(const std::string& key, std::string_view data) {
  obs::ScopedSpan span("storage.write");
  span->set("objectvision.file.key", key);
  span->set("objectvision.file.bytes", static_cast<std::int64_t>(data.size()));
  Result<void> written =
      valid_key(key) ? put(key, data) : Result<void>(Error{Errc::invalid_argument, "bad file key"});
  if (!written) span->fail(written.error().message);
  return written;
}

Result<void> FileStore::write(const std::string& key, std::span<const std::uint8_t> data) {
  return write(key, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

Result<std::string> FileStore::read(const std::string& key) const {
  obs::ScopedSpan span("storage.read");
  span->set("objectvision.file.key", key);
  Result<std::string> bytes =
      valid_key(key) ? get(key) : Result<std::string>(Error{Errc::not_found, "no such file"});
  if (bytes) {
    span->set("objectvision.file.bytes", static_cast<std::int64_t>(bytes.value().size()));
  } else {
    span->fail(bytes.error().message);
  }
  return bytes;
}

Result<bool> FileStore::exists(const std::string& key) const {
  if (!valid_key(key)) return false;
  obs::ScopedSpan span("storage.exists");
  span->set("objectvision.file.key", key);
  auto there = contains(key);
  if (!there) span->fail(there.error().message);
  return there;
}

Result<void> FileStore::remove(const std::string& key) {
  if (!valid_key(key)) return Error{Errc::invalid_argument, "bad file key"};
  return erase(key);
}

void FileStore::remove_detection(std::string_view detection_id) {
  if (!is_uuid(detection_id)) return;
  if (auto removed = erase_detection(detection_id); !removed) {
    spdlog::warn("files: the files of detection {} were not all deleted: {}", detection_id,
                 removed.error().message);
  }
}

}  // namespace ov::files
