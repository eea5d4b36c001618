#pragma once
// Test helpers: the shared Redis named by OV_TEST_REDIS_URL, and throwaway redis-server
// processes on loopback (for restarts, passwords and outages) owned by one test.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace ov::testing {

// OV_TEST_REDIS_URL, or nullopt when the shared-server tests should be skipped.
inline std::optional<std::string> shared_redis_url() {
  const char* url = std::getenv("OV_TEST_REDIS_URL");
  if (url == nullptr || *url == '\0') return std::nullopt;
  return std::string(url);
}

// A loopback port nobody listens on right now.
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool port_accepts(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

class RedisServer {
 public:
  // nullptr when redis-server is not installed or does not come up within 5 s.
  static std::unique_ptr<RedisServer> start(std::vector<std::string> extra_args = {}) {
    std::string binary = find_binary();
    if (binary.empty()) return nullptr;
    char dir_template[] = "/tmp/ov-redis-test-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) return nullptr;
    std::unique_ptr<RedisServer> server(
        new RedisServer(binary, dir_template, free_port(), std::move(extra_args)));
    if (!server->run()) return nullptr;
    return server;
  }

  ~RedisServer() {
    stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  // redis://[credentials@]127.0.0.1:port[path]
  std::string url(const std::string& credentials = "", const std::string& path = "") const {
    std::string auth = credentials.empty() ? "" : credentials + "@";
    return "redis://" + auth + "127.0.0.1:" + std::to_string(port_) + path;
  }

  void stop() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  bool restart() {
    stop();
    return run();
  }

 private:
  RedisServer(std::string binary, std::string dir, int port, std::vector<std::string> extra)
      : binary_(std::move(binary)), dir_(std::move(dir)), port_(port), extra_(std::move(extra)) {}

  static std::string find_binary() {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
    std::size_t start = 0;
    while (start <= dirs.size()) {
      std::size_t end = dirs.find(':', start);
      if (end == std::string::npos) end = dirs.size();
      std::string candidate = dirs.substr(start, end - start) + "/redis-server";
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
      start = end + 1;
    }
    return {};
  }

  bool run() {
    std::vector<std::string> args{binary_,
                                  "--port",
                                  std::to_string(port_),
                                  "--bind",
                                  "127.0.0.1",
                                  "--save",
                                  "",
                                  "--appendonly",
                                  "no",
                                  "--daemonize",
                                  "no",
                                  "--dir",
                                  dir_,
                                  "--logfile",
                                  dir_ + "/redis.log"};
    args.insert(args.end(), extra_.begin(), extra_.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return false;
    if (pid == 0) {  // child: only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      int null_fd = ::open("/dev/null", O_RDWR);
      ::dup2(null_fd, 0);
      ::dup2(null_fd, 1);
      ::dup2(null_fd, 2);
      ::syscall(SYS_close_range, 3U, ~0U, 0U);  // no inherited pipes keep a reader waiting
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    pid_ = pid;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      if (port_accepts(port_)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop();
    return false;
  }

  std::string binary_;
  std::string dir_;
  int port_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

}  // namespace ov::testing
