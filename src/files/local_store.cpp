#include "files/local_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/ids.hpp"

namespace ov::files {
namespace fs = std::filesystem;

namespace {

// ENOSPC and EDQUOT are the disk being full (507 at the API); the rest is an internal failure.
Error io_error(const std::string& what, int error_number) {
  std::string message = what + ": " + std::strerror(error_number);
  if (error_number == ENOSPC || error_number == EDQUOT) {
    return Error{Errc::no_space, "Not enough storage space: " + message};
  }
  return Error{Errc::internal, message};
}

// A directory's entries are durable once the directory itself is fsynced.
Result<void> sync_directory(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return io_error("cannot open " + dir.string(), errno);
  int failure = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (failure != 0) return io_error("cannot sync " + dir.string(), failure);
  return {};
}

}  // namespace

LocalFileStore::LocalFileStore(std::string root) : root_(std::move(root)) {}

std::optional<std::string> LocalFileStore::path(const std::string& key) const {
  if (!valid_key(key)) return std::nullopt;
  return root_ + "/" + key;
}

std::string LocalFileStore::location() const {
  std::error_code ec;
  fs::path absolute = fs::absolute(root_, ec);
  return "file://" + (ec ? root_ : absolute.lexically_normal().string());
}

Result<void> LocalFileStore::put(const std::string& key, std::string_view data) {
  auto target = path(key);
  if (!target) return Error{Errc::invalid_argument, "bad file key"};
  const fs::path dir = fs::path(*target).parent_path();
  std::error_code ec;
  const bool new_dir = !fs::exists(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return io_error("cannot create " + dir.string(), ec.value());
  std::string tmp = *target + ".tmp-" + random_token(6);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) return io_error("cannot write " + tmp, errno);
  std::size_t done = 0;
  int failure = 0;
  while (done < data.size() && failure == 0) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failure = n < 0 ? errno : ENOSPC;
    } else {
      done += static_cast<std::size_t>(n);
    }
  }
  // The bytes reach the disk before the name does, and the name before anyone points at it.
  if (failure == 0 && ::fsync(fd) != 0) failure = errno;
  if (::close(fd) != 0 && failure == 0) failure = errno;
  if (failure == 0 && ::rename(tmp.c_str(), target->c_str()) != 0) failure = errno;
  if (failure != 0) {
    ::unlink(tmp.c_str());
    return io_error("cannot write " + *target, failure);
  }
  if (auto synced = sync_directory(dir); !synced) return synced;
  if (new_dir) return sync_directory(dir.parent_path());
  return {};
}

Result<std::string> LocalFileStore::get(const std::string& key) const {
  std::ifstream in(root_ + "/" + key, std::ios::binary);
  if (!in) return Error{Errc::not_found, "no such file"};
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<bool> LocalFileStore::contains(const std::string& key) const {
  const std::string p = root_ + "/" + key;
  struct stat st {};
  if (::stat(p.c_str(), &st) == 0) return S_ISREG(st.st_mode);
  if (errno == ENOENT || errno == ENOTDIR) return false;
  return io_error("cannot look for " + p, errno);
}

Result<void> LocalFileStore::erase(const std::string& key) {
  const std::string p = root_ + "/" + key;
  if (::unlink(p.c_str()) != 0 && errno != ENOENT) return io_error("cannot delete " + p, errno);
  return {};
}

Result<void> LocalFileStore::erase_detection(std::string_view detection_id) {
  std::error_code ec;
  fs::remove_all(fs::path(root_) / std::string(detection_id), ec);
  if (ec) return io_error("cannot delete the files of " + std::string(detection_id), ec.value());
  return {};
}

}  // namespace ov::files
