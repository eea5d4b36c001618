// What the retention task asks: the files of jobs ended long ago that are still kept, and the
// record of their deletion.
#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql/job_repository.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {

Result<std::vector<ExpiredImage>> SqlJobRepository::expired_images(std::int64_t ended_before_ms,
                                                                   bool annotated, int limit) {
  // A job's end is finished_at (set for completed, failed and cancelled alike); the status
  // check keeps a queued or processing job's files whatever its timestamps say.
  const std::string sql = fmt::format(
      "SELECT i.id, CASE WHEN i.original_deleted_at IS NULL THEN i.original_path END, "
      "CASE WHEN i.annotated_deleted_at IS NULL THEN i.annotated_path END "
      "FROM detection_images i JOIN detections d ON d.id = i.detection_id "
      "WHERE d.status IN ('completed', 'failed', 'cancelled') AND d.finished_at < {0} "
      "AND (i.original_deleted_at IS NULL{1}) "
      "ORDER BY d.finished_at, i.position LIMIT $2",
      dialect_.time_param(1),
      annotated ? " OR (i.annotated_path IS NOT NULL AND i.annotated_deleted_at IS NULL)" : "");
  auto rows = pool_.with([&](Connection& c) {
    return c.query(sql, {ended_before_ms, std::int64_t{limit}});
  });
  if (!rows) return rows.error();
  std::vector<ExpiredImage> out;
  for (const auto& row : rows.value().rows) {
    out.push_back({row.text(0), row.optional_text(1), row.optional_text(2)});
  }
  return out;
}

Result<void> SqlJobRepository::mark_files_deleted(const std::string& image_id, bool annotated,
                                                  std::int64_t now_ms) {
  auto key = canonical_id(image_id);
  if (!key) return {};
  const std::string now = dialect_.time_param(2);
  const std::string sql = fmt::format(
      "UPDATE detection_images SET original_deleted_at = COALESCE(original_deleted_at, {0}){1} "
      "WHERE id = $1",
      now,
      annotated ? fmt::format(", annotated_deleted_at = CASE WHEN annotated_path IS NULL THEN NULL "
                              "ELSE COALESCE(annotated_deleted_at, {}) END",
                              now)
                : std::string());
  auto r = pool_.with([&](Connection& c) { return c.query(sql, {*key, now_ms}); });
  if (!r) return r.error();
  return {};
}

}  // namespace ov::storage::sql
