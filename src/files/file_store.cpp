#include "files/file_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/ids.hpp"

namespace ov::files {
namespace fs = std::filesystem;

namespace {

// Keys are made by key(): ids and fixed words only. Anything else (.., /, NUL) is refused.
bool valid_key(const std::string& key) {
  auto slash = key.find('/');
  if (slash == std::string::npos || key.find('/', slash + 1) != std::string::npos) return false;
  if (!is_uuid(key.substr(0, slash))) return false;
  for (char c : key.substr(slash + 1)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return key.find("..") == std::string::npos;
}

}  // namespace

FileStore::FileStore(std::string root) : root_(std::move(root)) {}

std::string FileStore::key(std::string_view detection_id, std::string_view image_id,
                           std::string_view kind, std::string_view extension) {
  return std::string(detection_id) + "/" + std::string(image_id) + "." + std::string(kind) + "." +
         std::string(extension);
}

std::optional<std::string> FileStore::path(const std::string& key) const {
  if (!valid_key(key)) return std::nullopt;
  return root_ + "/" + key;
}

Result<void> FileStore::write(const std::string& key, std::string_view data) {
  auto target = path(key);
  if (!target) return Error{Errc::invalid_argument, "bad file key"};
  std::error_code ec;
  fs::create_directories(fs::path(*target).parent_path(), ec);
  if (ec) return Error{Errc::internal, "cannot create " + target->substr(0, target->rfind('/'))};
  std::string tmp = *target + ".tmp-" + random_token(6);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return Error{Errc::internal, "cannot write " + tmp};
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n <= 0) {
      ::close(fd);
      ::unlink(tmp.c_str());
      return Error{Errc::internal, "cannot write " + tmp};
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), target->c_str()) != 0) {
    ::unlink(tmp.c_str());
    return Error{Errc::internal, "cannot rename into " + *target};
  }
  return {};
}

Result<void> FileStore::write(const std::string& key, std::span<const std::uint8_t> data) {
  return write(key, std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

Result<std::string> FileStore::read(const std::string& key) const {
  auto p = path(key);
  if (!p) return Error{Errc::not_found, "no such file"};
  std::ifstream in(*p, std::ios::binary);
  if (!in) return Error{Errc::not_found, "no such file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void FileStore::remove_detection(std::string_view detection_id) {
  if (!is_uuid(detection_id)) return;
  std::error_code ec;
  fs::remove_all(fs::path(root_) / std::string(detection_id), ec);
}

}  // namespace ov::files
