#include "app/backups.hpp"

#include <algorithm>
#include <filesystem>
#include <vector>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/backup.hpp"

namespace ov::app {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kPrefix = "objectvision-";
constexpr std::string_view kSuffix = ".sqlite";

// objectvision-20261201T023000.123Z.sqlite: sorts by time.
std::string backup_name(std::int64_t now) {
  std::string stamp = rfc3339(now);  // 2026-12-01T02:30:00.123Z
  std::string compact;
  for (char ch : stamp) {
    if (ch != '-' && ch != ':') compact += ch;
  }
  return std::string(kPrefix) + compact + std::string(kSuffix);
}

// Deletes our backups older than `keep_days` in `dir`, never the newest. How many went.
int prune(const fs::path& dir, int keep_days) {
  std::vector<fs::path> ours;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(kPrefix) && name.ends_with(kSuffix)) ours.push_back(it->path());
  }
  std::sort(ours.begin(), ours.end());  // by time: the names sort so
  if (ours.size() <= 1) return 0;
  ours.pop_back();  // the newest stays whatever its age
  const auto cutoff = fs::file_time_type::clock::now() - std::chrono::hours(24) * keep_days;
  int removed = 0;
  for (const auto& path : ours) {
    auto written = fs::last_write_time(path, ec);
    if (!ec && written < cutoff && fs::remove(path, ec)) ++removed;
  }
  return removed;
}

}  // namespace

Result<std::string> make_backup(const config::Config& config, const std::string& dest) {
  const std::int64_t now = now_ms();
  fs::path target = dest;
  if (target.empty()) {
    const fs::path dir = fs::path(config.data_dir) / "backups";
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec)
      return Error{Errc::unavailable,
                   fmt::format("cannot create {}: {}", dir.string(), ec.message())};
    target = dir / backup_name(now);
  }
  if (auto made = storage::backup_sqlite(config.database_url, target.string()); !made) {
    return made.error();
  }
  std::error_code ec;
  const auto size = fs::file_size(target, ec);
  std::string done = fmt::format("{} ({} bytes)", target.string(), ec ? 0 : size);
  if (dest.empty()) {
    int pruned = prune(target.parent_path(), config.backup_keep_days);
    if (pruned > 0)
      done += fmt::format("; {} older than {} days deleted", pruned, config.backup_keep_days);
  }
  return done;
}

}  // namespace ov::app
