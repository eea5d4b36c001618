#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "config/config.hpp"
#include "core/ids.hpp"

namespace ov::config {

Result<void> ensure_jwt_secret(Config& config) {
  if (!config.jwt_secret_key.empty()) return {};
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec) return Error{Errc::invalid_argument, "DATA_DIR: cannot create " + config.data_dir};
  std::string path = config.data_dir + "/jwt_secret";
  {
    std::ifstream in(path);
    std::stringstream ss;
    if (in && (ss << in.rdbuf()) && ss.str().size() >= 32) {
      config.jwt_secret_key = ss.str();
      while (!config.jwt_secret_key.empty() && config.jwt_secret_key.back() == '\n') {
        config.jwt_secret_key.pop_back();
      }
      return {};
    }
  }
  std::string secret = random_token(48);
  // O_EXCL: when two processes start together on one data dir, one writes and the other
  // reads what it wrote.
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) {
      ::usleep(100'000);
      return ensure_jwt_secret(config);
    }
    return Error{Errc::invalid_argument, "DATA_DIR: cannot write " + path};
  }
  bool ok = ::write(fd, secret.data(), secret.size()) == static_cast<ssize_t>(secret.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) return Error{Errc::invalid_argument, "DATA_DIR: cannot write " + path};
  config.jwt_secret_key = secret;
  return {};
}

}  // namespace ov::config
