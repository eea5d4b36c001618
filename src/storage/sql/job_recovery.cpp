// What the jobs reconciler asks: unfinished jobs, and the outbox of the scaled shape.
#include "core/ids.hpp"
#include "storage/sql/job_repository.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {

Result<std::vector<UnfinishedJob>> SqlJobRepository::unfinished(std::int64_t updated_before_ms,
                                                                int limit) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(select_unfinished_, {updated_before_ms, std::int64_t{limit}});
  });
  if (!rows) return rows.error();
  std::vector<UnfinishedJob> out;
  for (const auto& row : rows.value().rows) {
    UnfinishedJob j;
    j.id = row.text(0);
    j.status = job_status_from_string(row.text(1)).value_or(JobStatus::queued);
    j.started_at_ms = row.optional_integer(2);
    j.updated_at_ms = row.integer(3);
    out.push_back(std::move(j));
  }
  return out;
}

Result<std::vector<std::string>> SqlJobRepository::outbox(std::int64_t created_before_ms,
                                                          int limit) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(select_outbox_, {created_before_ms, std::int64_t{limit}});
  });
  if (!rows) return rows.error();
  std::vector<std::string> out;
  for (const auto& row : rows.value().rows) out.push_back(row.text(0));
  return out;
}

Result<void> SqlJobRepository::outbox_done(const std::string& id) {
  auto key = canonical_id(id);
  if (!key) return {};
  auto r = pool_.with([&](Connection& c) {
    return c.query("DELETE FROM job_outbox WHERE detection_id = $1", {*key});
  });
  if (!r) return r.error();
  return {};
}

}  // namespace ov::storage::sql
