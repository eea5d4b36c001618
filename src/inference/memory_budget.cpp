#include "inference/memory_budget.hpp"

#include <sys/resource.h>

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <string>

namespace ov::inference {
namespace {

// The number after `key` in a "Key:   1234 kB" file (/proc/meminfo, /proc/self/status), bytes.
std::optional<std::int64_t> kib_field(const char* path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      try {
        return std::stoll(line.substr(key.size())) * 1024;
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

std::optional<std::int64_t> number_file(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::nullopt;
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

void keep_least(std::optional<std::int64_t>& least, std::optional<std::int64_t> v) {
  if (v && (!least || *v < *least)) least = v;
}

// cgroup v2: "0::/a/b" in /proc/self/cgroup; each level's memory.max less memory.current.
std::optional<std::int64_t> cgroup_headroom() {
  std::ifstream in("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(in, line)) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  std::optional<std::int64_t> least;
  for (;;) {
    const std::string dir = "/sys/fs/cgroup" + (path == "/" ? std::string() : path);
    const auto max = number_file(dir + "/memory.max");
    const auto current = number_file(dir + "/memory.current");
    if (max && current) keep_least(least, *max - *current);
    if (path.empty() || path == "/") break;
    const auto slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
  return least;
}

std::optional<std::int64_t> address_space_headroom() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_AS, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return std::nullopt;
  const auto used = kib_field("/proc/self/status", "VmSize:");
  if (!used) return std::nullopt;
  return static_cast<std::int64_t>(limit.rlim_cur) - *used;
}

std::int64_t mib(std::int64_t bytes) {
  return (bytes + (1 << 20) - 1) >> 20;
}

}  // namespace

std::int64_t image_memory_bytes(const ImageHeader& header, std::int64_t batch_floats) {
  const std::int64_t image = 3 * header.width * header.height;
  return 2 * image + header.decoder_bytes + 2 * batch_floats * 4;
}

std::optional<std::int64_t> available_memory_bytes() {
  std::optional<std::int64_t> least = kib_field("/proc/meminfo", "MemAvailable:");
  keep_least(least, cgroup_headroom());
  keep_least(least, address_space_headroom());
  return least;
}

Result<void> check_memory(const ImageHeader& header, std::int64_t needed,
                          std::optional<std::int64_t> available) {
  if (!available || needed <= *available - kMemoryReserveBytes) return {};
  return Error{Errc::unavailable,
               fmt::format("not enough memory for this image: decoding and detecting a {}x{} {} "
                           "takes about {} MiB, {} MiB are free (try again later, or send a "
                           "smaller image)",
                           header.width, header.height, to_string(header.format), mib(needed),
                           mib(std::max<std::int64_t>(0, *available - kMemoryReserveBytes)))};
}

}  // namespace ov::inference
