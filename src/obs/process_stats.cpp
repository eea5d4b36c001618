#include "obs/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "obs/metrics.hpp"

namespace ov::obs {
namespace {

// The fields of /proc/self/stat after the command name (which may hold spaces and parentheses:
// everything up to the last ')' is skipped). fields[0] is field 3 (state).
std::vector<std::string> stat_fields() {
  std::ifstream in("/proc/self/stat");
  std::string line;
  std::getline(in, line);
  std::vector<std::string> fields;
  auto close = line.rfind(')');
  if (close == std::string::npos) return fields;
  std::istringstream rest(line.substr(close + 1));
  for (std::string f; rest >> f;) fields.push_back(f);
  return fields;
}

double field(const std::vector<std::string>& fields,
             std::size_t number) {  // 1-based, as man 5 proc
  const std::size_t index = number - 3;
  if (number < 3 || index >= fields.size()) return 0;
  try {
    return std::stod(fields[index]);
  } catch (const std::exception&) {
    return 0;
  }
}

double boot_time_s() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stod(line.substr(6));
  }
  return 0;
}

double open_files() {
  std::error_code ec;
  double n = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++n;
  }
  return n > 0 ? n - 1 : 0;  // the directory's own descriptor
}

}  // namespace

void write_process_metrics(Exposition& out) {
  const auto fields = stat_fields();
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(::sysconf(_SC_PAGESIZE));
  if (!fields.empty() && ticks > 0) {
    out.family("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
               "counter");
    out.sample((field(fields, 14) + field(fields, 15)) / ticks);
    out.family("process_resident_memory_bytes", "Resident memory size in bytes.", "gauge");
    out.sample(field(fields, 24) * page);
    out.family("process_virtual_memory_bytes", "Virtual memory size in bytes.", "gauge");
    out.sample(field(fields, 23));
    out.family("process_threads", "Number of OS threads in the process.", "gauge");
    out.sample(field(fields, 20));
    out.family("process_start_time_seconds",
               "Start time of the process since unix epoch in seconds.", "gauge");
    out.sample(boot_time_s() + field(fields, 22) / ticks);
  }
  out.family("process_open_fds", "Number of open file descriptors.", "gauge");
  out.sample(open_files());
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    out.family("process_max_fds", "Maximum number of open file descriptors.", "gauge");
    out.sample(limit.rlim_cur == RLIM_INFINITY ? -1 : static_cast<double>(limit.rlim_cur));
  }
}

}  // namespace ov::obs
