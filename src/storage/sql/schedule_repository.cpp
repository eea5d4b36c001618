#include "storage/sql/schedule_repository.hpp"

#include <fmt/format.h>

namespace ov::storage::sql {
namespace {

std::string columns(const Dialect& d) {
  return fmt::format("name, schedule, {}, run_count, {}, {}, last_ok, last_result, last_holder",
                     d.time_column("next_run_at"), d.time_column("last_started_at"),
                     d.time_column("last_finished_at"));
}

ScheduledTaskRow to_row(const Row& r) {
  ScheduledTaskRow t;
  t.name = r.text(0);
  t.schedule = r.text(1);
  t.next_run_at_ms = r.integer(2);
  t.run_count = r.integer(3);
  t.last_started_at_ms = r.optional_integer(4);
  t.last_finished_at_ms = r.optional_integer(5);
  if (!r.is_null(6)) t.last_ok = r.boolean(6);
  t.last_result = r.optional_text(7);
  t.last_holder = r.optional_text(8);
  return t;
}

}  // namespace

SqlScheduleRepository::SqlScheduleRepository(Pool& pool, Dialect d) : pool_(pool) {
  // Both backends run INSERT ... ON CONFLICT DO UPDATE ... RETURNING (SQLite 3.35+).
  ensure_ = fmt::format(
      "INSERT INTO scheduled_tasks (name, schedule, next_run_at) VALUES ($1, $2, {0}) "
      "ON CONFLICT (name) DO UPDATE SET "
      "next_run_at = CASE WHEN scheduled_tasks.schedule = excluded.schedule "
      "THEN scheduled_tasks.next_run_at ELSE excluded.next_run_at END, "
      "schedule = excluded.schedule "
      "RETURNING {1}",
      d.time_param(3), columns(d));
  claim_ = fmt::format(
      "UPDATE scheduled_tasks SET next_run_at = {0}, run_count = run_count + 1, "
      "last_started_at = {1}, last_holder = $4 "
      "WHERE name = $1 AND next_run_at = {2} RETURNING run_count",
      d.time_param(3), d.time_param(5), d.time_param(2));
  finish_ = fmt::format(
      "UPDATE scheduled_tasks SET last_finished_at = {0}, last_ok = $4, last_result = $5 "
      "WHERE name = $1 AND run_count = $2",
      d.time_param(3));
  list_ = fmt::format("SELECT {} FROM scheduled_tasks ORDER BY name", columns(d));
}

Result<ScheduledTaskRow> SqlScheduleRepository::ensure(const std::string& name,
                                                       const std::string& schedule,
                                                       std::int64_t next_run_at_ms) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(ensure_, {name, schedule, next_run_at_ms});
  });
  if (!rows) return rows.error();
  if (rows.value().rows.empty()) return Error{Errc::internal, "scheduled task row not returned"};
  return to_row(rows.value().rows.front());
}

Result<std::optional<std::int64_t>> SqlScheduleRepository::claim(const std::string& name,
                                                                 std::int64_t due_ms,
                                                                 std::int64_t next_ms,
                                                                 std::int64_t now_ms,
                                                                 const std::string& holder) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(claim_, {name, due_ms, next_ms, holder, now_ms});
  });
  if (!rows) return rows.error();
  if (rows.value().rows.empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(rows.value().rows.front().integer(0));
}

Result<void> SqlScheduleRepository::finish(const std::string& name, std::int64_t run,
                                           std::int64_t now_ms, bool ok,
                                           const std::string& result) {
  auto r = pool_.with([&](Connection& c) {
    return c.query(finish_, {name, run, now_ms, ok, result});
  });
  if (!r) return r.error();
  return {};
}

Result<std::vector<ScheduledTaskRow>> SqlScheduleRepository::list() {
  auto rows = pool_.with([&](Connection& c) { return c.query(list_, {}); });
  if (!rows) return rows.error();
  std::vector<ScheduledTaskRow> out;
  for (const Row& r : rows.value().rows) out.push_back(to_row(r));
  return out;
}

}  // namespace ov::storage::sql
