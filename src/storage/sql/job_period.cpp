// A user's jobs of a period and their objects (the daily report).
#include <fmt/format.h>

#include "storage/sql/job_repository.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {

Result<PeriodFigures> SqlJobRepository::period(const std::string& user_id, std::int64_t from_ms,
                                               std::int64_t to_ms) {
  PeriodFigures out;
  auto user = canonical_id(user_id);
  if (!user) return out;
  const std::string in_range =
      fmt::format("d.user_id = $1 AND d.created_at >= {} AND d.created_at < {}",
                  dialect_.time_param(2), dialect_.time_param(3));
  const Params params{*user, from_ms, to_ms};
  auto statuses = pool_.with([&](Connection& c) {
    return c.query(fmt::format("SELECT d.status, count(*), coalesce(sum(d.image_count), 0) "
                               "FROM detections d WHERE {} GROUP BY d.status",
                               in_range),
                   params);
  });
  if (!statuses) return statuses.error();
  for (const auto& row : statuses.value().rows) {
    out.by_status[row.text(0)] = UserStats::ByStatus{row.integer(1), row.integer(2)};
  }
  auto classes = pool_.with([&](Connection& c) {
    return c.query(fmt::format("SELECT r.object_class, count(*) FROM detection_results r "
                               "JOIN detections d ON d.id = r.detection_id WHERE {} "
                               "GROUP BY r.object_class",
                               in_range),
                   params);
  });
  if (!classes) return classes.error();
  for (const auto& row : classes.value().rows) out.objects_by_class[row.text(0)] = row.integer(1);
  return out;
}

}  // namespace ov::storage::sql
