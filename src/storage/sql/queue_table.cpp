#include "storage/sql/queue_table.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql/job_rows.hpp"
#include "storage/sql/transaction.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {
namespace {

constexpr const char* kComplete =
    "DELETE FROM job_queue WHERE detection_id = $1 AND locked_by = $2 AND status = 'running'";
constexpr const char* kDead =
    "UPDATE job_queue SET status = 'failed', locked_by = NULL, locked_until = NULL, "
    "last_error = $3 WHERE detection_id = $1 AND locked_by = $2 AND status = 'running'";
constexpr const char* kRemove = "DELETE FROM job_queue WHERE detection_id = $1";

}  // namespace

std::string queue_row_insert_sql(const Dialect& d) {
  return fmt::format(
      "INSERT INTO job_queue (id, detection_id, status, attempts, max_attempts, available_at, "
      "created_at) VALUES ($1, $2, 'queued', 0, $3, {0}, {0})",
      d.time_param(4));
}

SqlQueueTable::SqlQueueTable(Pool& pool, Dialect d) : pool_(pool), dialect_(d) {
  bool pg = d.kind() == Dialect::Kind::postgres;
  insert_ = queue_row_insert_sql(d);
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

Result<void> SqlQueueTable::enqueue(const std::string& job_id, int max_attempts, int max_depth,
                                    std::int64_t now) {
  auto key = canonical_id(job_id);
  if (!key) return Error{Errc::not_found, "job not found"};
  auto done = pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<bool> {
      auto depth = c.query(kQueueDepthSql, {});
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
      return Error{Errc::conflict, "the job has a queue entry already"};
    case Errc::invalid_argument:
      return Error{Errc::not_found, "job not found"};
    default:
      return done.error();
  }
}

Result<std::optional<JobClaim>> SqlQueueTable::claim(const std::string& token, std::int64_t now,
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

Result<bool> SqlQueueTable::changed_one(const std::string& sql, const Params& params) {
  auto r = pool_.with([&](Connection& c) { return c.query(sql, params); });
  if (!r) return r.error();
  return r.value().affected == 1;
}

Result<bool> SqlQueueTable::extend(const std::string& job_id, const std::string& token,
                                   std::int64_t until_ms) {
  auto key = canonical_id(job_id);
  if (!key) return false;
  return changed_one(extend_, {*key, token, until_ms});
}

Result<bool> SqlQueueTable::complete(const std::string& job_id, const std::string& token) {
  auto key = canonical_id(job_id);
  if (!key) return false;
  return changed_one(kComplete, {*key, token});
}

Result<bool> SqlQueueTable::fail(const std::string& job_id, const std::string& token,
                                 const std::string& error,
                                 std::optional<std::int64_t> retry_at_ms) {
  auto key = canonical_id(job_id);
  if (!key) return false;
  if (retry_at_ms) return changed_one(retry_, {*key, token, error, *retry_at_ms});
  return changed_one(kDead, {*key, token, error});
}

Result<bool> SqlQueueTable::remove(const std::string& job_id) {
  auto key = canonical_id(job_id);
  if (!key) return false;
  return changed_one(kRemove, {*key});
}

Result<JobTableStats> SqlQueueTable::stats() {
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

Result<std::vector<QueueState>> SqlQueueTable::states(const std::vector<std::string>& job_ids) {
  std::vector<QueueState> out(job_ids.size());
  Params keys;
  std::vector<std::size_t> positions;
  for (std::size_t i = 0; i < job_ids.size(); ++i) {
    if (auto key = canonical_id(job_ids[i])) {
      keys.emplace_back(*key);
      positions.push_back(i);
    }
  }
  for (std::size_t start = 0; start < keys.size(); start += 64) {
    std::size_t n = std::min<std::size_t>(64, keys.size() - start);
    Params chunk(keys.begin() + static_cast<std::ptrdiff_t>(start),
                 keys.begin() + static_cast<std::ptrdiff_t>(start + n));
    auto rows = pool_.with([&](Connection& c) {
      return c.query(
          "SELECT detection_id, status, last_error FROM job_queue "
          "WHERE detection_id IN (" +
              placeholders(1, n) + ")",
          chunk);
    });
    if (!rows) return rows.error();
    for (const auto& row : rows.value().rows) {
      for (std::size_t k = 0; k < n; ++k) {
        if (std::get<std::string>(chunk[k]) != row.text(0)) continue;
        QueueState& state = out[positions[start + k]];
        const std::string status = row.text(1);
        state.kind = status == "queued"    ? QueueState::Kind::waiting
                     : status == "running" ? QueueState::Kind::running
                                           : QueueState::Kind::dead;
        state.error = row.optional_text(2).value_or("");
      }
    }
  }
  return out;
}

}  // namespace ov::storage::sql
