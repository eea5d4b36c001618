#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "core/ids.hpp"

namespace ov::config {
namespace {

constexpr std::size_t kSecretBytes = 48;  // 384 random bits, 64 base64url characters

Error damaged(const std::string& path, const std::string& why) {
  return Error{Errc::invalid_argument,
               "JWT secret file " + path + " is damaged (" + why +
                   "); restore it from a backup, or delete it to generate a new key (every "
                   "token issued with the old one stops working)"};
}

// A key file written by ensure_jwt_secret: one line of at least 32 printable characters.
Result<std::string> read_secret(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{Errc::invalid_argument, "JWT secret file " + path + " cannot be read"};
  std::stringstream ss;
  ss << in.rdbuf();
  std::string secret = ss.str();
  while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
  if (secret.size() < 32) {
    return damaged(path, std::to_string(secret.size()) + " characters, at least 32 expected");
  }
  for (unsigned char c : secret) {
    if (c < 0x21 || c > 0x7e) return damaged(path, "it holds non-printable bytes");
  }
  return secret;
}

}  // namespace

// The file appears whole or not at all: the key is written and fsynced under a temporary name,
// then linked to its final name (link(2) fails when the name exists, so of two processes
// starting together on one data dir one creates it and the other reads what it created).
Result<void> ensure_jwt_secret(Config& config) {
  if (!config.jwt_secret_key.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Error{Errc::invalid_argument, "DATA_DIR: cannot create " + config.data_dir};
  const std::string path = config.data_dir + "/jwt_secret";
  if (std::filesystem::exists(path, ec)) {
    auto secret = read_secret(path);
    if (!secret) return secret.error();
    config.jwt_secret_key = std::move(secret.value());
    return {};
  }
  const std::string secret = random_token(kSecretBytes);
  const std::string tmp = path + ".tmp-" + random_token(8);
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{Errc::invalid_argument,
                 "DATA_DIR: cannot write " + tmp + ": " + std::strerror(errno)};
  }
  bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok) {
    ::unlink(tmp.c_str());
    return Error{Errc::invalid_argument, "DATA_DIR: cannot write " + tmp};
  }
  const int linked = ::link(tmp.c_str(), path.c_str());
  const int link_errno = errno;
  ::unlink(tmp.c_str());
  if (linked != 0 && link_errno != EEXIST) {
    return Error{Errc::invalid_argument,
                 "DATA_DIR: cannot create " + path + ": " + std::strerror(link_errno)};
  }
  if (int dir = ::open(config.data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    (void)::fsync(dir);
    ::close(dir);
  }
  auto stored = read_secret(path);  // ours, or the one another process linked first
  if (!stored) return stored.error();
  config.jwt_secret_key = std::move(stored.value());
  return {};
}

}  // namespace ov::config
