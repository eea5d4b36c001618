#include "storage/sql/job_repository.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql/transaction.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {
namespace {

constexpr const char* kDepth = "SELECT count(*) FROM job_queue WHERE status = 'queued'";
constexpr const char* kComplete =
    "DELETE FROM job_queue WHERE detection_id = $1 AND locked_by = $2 AND status = 'running'";
constexpr const char* kDead =
    "UPDATE job_queue SET status = 'failed', locked_by = NULL, locked_until = NULL, "
    "last_error = $3 WHERE detection_id = $1 AND locked_by = $2 AND status = 'running'";
constexpr const char* kRemove = "DELETE FROM job_queue WHERE detection_id = $1";

}  // namespace

SqlJobRepository::SqlJobRepository(Pool& pool, Dialect d) : pool_(pool), dialect_(d) {
  bool pg = d.kind() == Dialect::Kind::postgres;
  insert_ = fmt::format(
      "INSERT INTO job_queue (id, detection_id, status, attempts, max_attempts, available_at, "
      "created_at) VALUES ($1, $2, 'queued', 0, $3, {0}, {0})",
      d.time_param(4));
  // Due queued jobs and jobs whose lease ran out, oldest first (insertion order breaks ties:
  // rowid in SQLite, the seq identity column in PostgreSQL).
  claim_ = fmt::format(
      "UPDATE job_queue SET status = 'running', attempts = attempts + 1, locked_by = $1, "
      "locked_until = {1} WHERE id = (SELECT id FROM job_queue "
      "WHERE (status = 'queued' AND available_at <= {0}) "
      "OR (status = 'running' AND locked_until < {0}) "
      "ORDER BY available_at, {2} LIMIT 1{3}) "
      "RETURNING detection_id, attempts, max_attempts",
      d.time_param(2), d.time_param(3), pg ? "seq" : "rowid", pg ? " FOR UPDATE SKIP LOCKED" : "");
  extend_ = fmt::format(
      "UPDATE job_queue SET locked_until = {} "
      "WHERE detection_id = $1 AND locked_by = $2 AND status = 'running'",
      d.time_param(3));
  retry_ = fmt::format(
      "UPDATE job_queue SET status = 'queued', available_at = {}, locked_by = NULL, "
      "locked_until = NULL, last_error = $3 "
      "WHERE detection_id = $1 AND locked_by = $2 AND status = 'running'",
      d.time_param(4));
  stats_ = fmt::format(
      "SELECT status, count(*), {} FROM job_queue WHERE status IN ('queued', 'running') "
      "GROUP BY status",
      d.time_column("min(created_at)"));
}

Result<void> SqlJobRepository::enqueue(const std::string& detection_id, int max_attempts,
                                       int max_depth, std::int64_t now) {
  auto key = canonical_id(detection_id);
  if (!key) return Error{Errc::not_found, "detection not found"};
  auto done = pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<bool> {
      auto depth = c.query(kDepth, {});
      if (!depth) return depth.error();
      if (!depth.value().rows.empty() && depth.value().rows.front().integer(0) >= max_depth) {
        return Error{Errc::rate_limited, "the job queue is full"};
      }
      auto inserted = c.query(insert_, {new_uuid(), *key, std::int64_t{max_attempts}, now});
      if (!inserted) return inserted.error();
      return true;
    });
  });
  if (done) return {};
  switch (done.error().code) {
    case Errc::conflict:
      return Error{Errc::conflict, "the detection has a job already"};
    case Errc::invalid_argument:
      return Error{Errc::not_found, "detection not found"};
    default:
      return done.error();
  }
}

Result<std::optional<JobClaim>> SqlJobRepository::claim(const std::string& token, std::int64_t now,
                                                        std::int64_t lease_ms) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(claim_, {token, now, now + lease_ms});
  });
  if (!rows) return rows.error();
  if (rows.value().rows.empty()) return std::optional<JobClaim>();
  const Row& row = rows.value().rows.front();
  return std::optional<JobClaim>(JobClaim{row.text(0), static_cast<int>(row.integer(1)),
                                          static_cast<int>(row.integer(2)), token});
}

Result<bool> SqlJobRepository::changed_one(const std::string& sql, const Params& params) {
  auto r = pool_.with([&](Connection& c) { return c.query(sql, params); });
  if (!r) return r.error();
  return r.value().affected == 1;
}

Result<bool> SqlJobRepository::extend(const std::string& detection_id, const std::string& token,
                                      std::int64_t until_ms) {
  auto key = canonical_id(detection_id);
  if (!key) return false;
  return changed_one(extend_, {*key, token, until_ms});
}

Result<bool> SqlJobRepository::complete(const std::string& detection_id, const std::string& token) {
  auto key = canonical_id(detection_id);
  if (!key) return false;
  return changed_one(kComplete, {*key, token});
}

Result<bool> SqlJobRepository::fail(const std::string& detection_id, const std::string& token,
                                    const std::string& error,
                                    std::optional<std::int64_t> retry_at_ms) {
  auto key = canonical_id(detection_id);
  if (!key) return false;
  if (retry_at_ms) return changed_one(retry_, {*key, token, error, *retry_at_ms});
  return changed_one(kDead, {*key, token, error});
}

Result<bool> SqlJobRepository::remove(const std::string& detection_id) {
  auto key = canonical_id(detection_id);
  if (!key) return false;
  return changed_one(kRemove, {*key});
}

Result<JobTableStats> SqlJobRepository::stats() {
  auto rows = pool_.with([&](Connection& c) { return c.query(stats_, {}); });
  if (!rows) return rows.error();
  JobTableStats s;
  for (const auto& row : rows.value().rows) {
    if (row.text(0) == "queued") {
      s.queued = row.integer(1);
      s.oldest_queued_at_ms = row.optional_integer(2);
    } else {
      s.running = row.integer(1);
    }
  }
  return s;
}

}  // namespace ov::storage::sql
