#include "storage/sql/job_repository.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql/job_rows.hpp"
#include "storage/sql/queue_table.hpp"
#include "storage/sql/transaction.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {

SqlJobRepository::SqlJobRepository(Pool& pool, Dialect d)
    : pool_(pool), dialect_(d), job_columns_(job_columns(d)) {
  const bool pg = d.kind() == Dialect::Kind::postgres;
  insert_job_ = fmt::format(
      "INSERT INTO detections (id, user_id, name, status, params, created_at, updated_at, "
      "image_count, processed_count, trace_parent, trace_state) "
      "VALUES ($1, $2, $3, 'queued', {0}, {1}, {1}, $6, 0, $7, $8)",
      pg ? "CAST($4 AS jsonb)" : "$4", d.time_param(5));
  insert_image_ =
      "INSERT INTO detection_images (id, detection_id, position, filename, original_path, "
      "content_type, file_size, sha256, processed) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE)";
  insert_queue_row_ = queue_row_insert_sql(d);
  insert_outbox_ = fmt::format("INSERT INTO job_outbox (detection_id, created_at) VALUES ($1, {})",
                               d.time_param(2));
  select_job_ = fmt::format("SELECT {} FROM detections d WHERE d.id = $1", job_columns_);
  select_for_user_ =
      fmt::format("SELECT {} FROM detections d WHERE d.id = $1 AND d.user_id = $2", job_columns_);
  select_images_ =
      fmt::format("SELECT {} FROM detection_images i WHERE i.detection_id = $1 ORDER BY i.position",
                  image_columns(d));
  select_image_ = fmt::format(
      "SELECT {}, d.user_id FROM detection_images i JOIN detections d ON d.id = i.detection_id "
      "WHERE i.id = $1",
      image_columns(d));
  select_objects_ = fmt::format(
      "SELECT {} FROM detection_results r JOIN detection_images i ON i.id = r.image_id "
      "WHERE r.detection_id = $1 ORDER BY i.position, r.confidence DESC, r.id",
      kObjectColumns);
  select_image_objects_ = fmt::format(
      "SELECT {} FROM detection_results r WHERE r.image_id = $1 ORDER BY r.confidence DESC, r.id",
      kObjectColumns);
  start_ = fmt::format(
      "UPDATE detections SET status = 'processing', started_at = COALESCE(started_at, {0}), "
      "updated_at = {0}, fence = fence + 1 WHERE id = $1 AND status IN ('queued', 'processing') "
      "RETURNING fence",
      d.time_param(2));
  // The image is written only while its job is processing under the caller's fence.
  mark_image_ =
      "UPDATE detection_images SET processed = TRUE, width = $2, height = $3, "
      "annotated_path = $4, error = $5 WHERE id = $1 AND processed = FALSE AND EXISTS "
      "(SELECT 1 FROM detections d WHERE d.id = detection_images.detection_id "
      "AND d.status = 'processing' AND d.fence = $6) RETURNING detection_id";
  bump_processed_ = fmt::format(
      "UPDATE detections SET processed_count = processed_count + 1, updated_at = {} "
      "WHERE id = $1",
      d.time_param(2));
  finish_ = fmt::format(
      "UPDATE detections SET status = $2, error = $3, finished_at = {0}, updated_at = {0} "
      "WHERE id = $1 AND status = 'processing' AND fence = $5",
      d.time_param(4));
  fail_ = fmt::format(
      "UPDATE detections SET status = 'failed', error = $2, finished_at = {0}, updated_at = {0} "
      "WHERE id = $1 AND status IN ('queued', 'processing')",
      d.time_param(3));
  select_status_for_update_ =
      std::string("SELECT status FROM detections WHERE id = $1") + (pg ? " FOR UPDATE" : "");
  cancel_ = fmt::format(
      "UPDATE detections SET status = 'cancelled', finished_at = {0}, updated_at = {0} "
      "WHERE id = $1 AND status IN ('queued', 'processing')",
      d.time_param(2));
  select_unfinished_ = fmt::format(
      "SELECT id, status, {}, {} FROM detections WHERE status IN ('queued', 'processing') "
      "AND updated_at < {} ORDER BY updated_at LIMIT $2",
      d.time_column("started_at"), d.time_column("updated_at"), d.time_param(1));
  select_outbox_ = fmt::format(
      "SELECT detection_id FROM job_outbox WHERE created_at < {} ORDER BY created_at LIMIT $2",
      d.time_param(1));
}

QueryResult SqlJobRepository::run(const std::string& sql, const Params& params) {
  return value_or_raise(pool_.with([&](Connection& c) { return c.query(sql, params); }));
}

Result<void> SqlJobRepository::insert_queue_entry(Connection& c, const std::string& job_id,
                                                  const QueueEntry& entry, std::int64_t now) {
  if (entry.kind == QueueEntry::Kind::outbox) {
    auto r = c.query(insert_outbox_, {job_id, now});
    if (!r) return r.error();
    return {};
  }
  auto depth = c.query(kQueueDepthSql, {});
  if (!depth) return depth.error();
  if (!depth.value().rows.empty() && depth.value().rows.front().integer(0) >= entry.max_depth) {
    return Error{Errc::rate_limited, "the job queue is full"};
  }
  auto r = c.query(insert_queue_row_, {new_uuid(), job_id, std::int64_t{entry.max_attempts}, now});
  if (!r) return r.error();
  return {};
}

Result<JobWithImages> SqlJobRepository::create(const Job& job, const std::vector<JobImage>& images,
                                               const QueueEntry& entry) {
  JobWithImages out;
  Job& x = out.job;
  x = job;
  auto id = x.id.empty() ? std::optional<std::string>(new_uuid()) : canonical_id(x.id);
  auto user = canonical_id(x.user_id);
  if (!id || !user) return Error{Errc::invalid_argument, "job and user ids must be UUIDs"};
  x.id = *id;
  x.user_id = *user;
  x.status = JobStatus::queued;
  if (x.params_json.empty()) x.params_json = "{}";
  if (x.created_at_ms == 0) x.created_at_ms = now_ms();
  x.updated_at_ms = x.created_at_ms;
  x.started_at_ms.reset();
  x.finished_at_ms.reset();
  x.error.reset();
  x.image_count = static_cast<int>(images.size());
  x.processed_count = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    JobImage img = images[i];
    auto image_id = img.id.empty() ? std::optional<std::string>(new_uuid()) : canonical_id(img.id);
    if (!image_id) return Error{Errc::invalid_argument, "image ids must be UUIDs"};
    img.id = *image_id;
    img.job_id = x.id;
    img.position = static_cast<int>(i);
    img.processed = false;
    img.annotated_path.reset();
    img.width.reset();
    img.height.reset();
    img.error.reset();
    out.images.push_back(std::move(img));
  }
  auto done = pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<bool> {
      auto text_or_null = [](const std::string& v) { return v.empty() ? Value{Null{}} : Value{v}; };
      auto inserted =
          c.query(insert_job_, {x.id, x.user_id, x.name, x.params_json, x.created_at_ms,
                                std::int64_t{x.image_count}, text_or_null(x.trace_parent),
                                text_or_null(x.trace_state)});
      if (!inserted) return inserted.error();
      for (const auto& img : out.images) {
        auto row = c.query(insert_image_, {img.id, img.job_id, std::int64_t{img.position},
                                           img.filename, img.original_path, img.content_type,
                                           nullable(img.file_size), nullable(img.sha256)});
        if (!row) return row.error();
      }
      if (auto queued = insert_queue_entry(c, x.id, entry, x.created_at_ms); !queued) {
        return queued.error();
      }
      return true;
    });
  });
  if (!done) return done.error();
  return out;
}

std::optional<Job> SqlJobRepository::find(const std::string& id) {
  auto key = canonical_id(id);
  if (!key) return std::nullopt;
  auto rows = run(select_job_, {*key});
  if (rows.rows.empty()) return std::nullopt;
  return read_job(rows.rows.front());
}

std::optional<Job> SqlJobRepository::find_for_user(const std::string& id,
                                                   const std::string& user_id) {
  auto key = canonical_id(id);
  auto user = canonical_id(user_id);
  if (!key || !user) return std::nullopt;
  auto rows = run(select_for_user_, {*key, *user});
  if (rows.rows.empty()) return std::nullopt;
  return read_job(rows.rows.front());
}

std::vector<JobImage> SqlJobRepository::images(const std::string& job_id) {
  std::vector<JobImage> out;
  auto key = canonical_id(job_id);
  if (!key) return out;
  for (const auto& row : run(select_images_, {*key}).rows) out.push_back(read_image(row));
  return out;
}

std::optional<OwnedImage> SqlJobRepository::image(const std::string& image_id) {
  auto key = canonical_id(image_id);
  if (!key) return std::nullopt;
  auto rows = run(select_image_, {*key});
  if (rows.rows.empty()) return std::nullopt;
  return OwnedImage{read_image(rows.rows.front()), rows.rows.front().text(kImageColumnCount)};
}

std::vector<FoundObject> SqlJobRepository::objects(const std::string& job_id) {
  std::vector<FoundObject> out;
  auto key = canonical_id(job_id);
  if (!key) return out;
  for (const auto& row : run(select_objects_, {*key}).rows) out.push_back(read_object(row));
  return out;
}

std::vector<FoundObject> SqlJobRepository::image_objects(const std::string& image_id) {
  std::vector<FoundObject> out;
  auto key = canonical_id(image_id);
  if (!key) return out;
  for (const auto& row : run(select_image_objects_, {*key}).rows) {
    out.push_back(read_object(row));
  }
  return out;
}

UserStats SqlJobRepository::stats(const std::string& user_id, std::int64_t from_ms,
                                  std::int64_t to_ms) {
  UserStats out;
  auto user = canonical_id(user_id);
  if (!user) return out;
  const Dialect& d = dialect_;
  auto statuses =
      run("SELECT d.status, count(*), coalesce(sum(d.image_count), 0) FROM detections d "
          "WHERE d.user_id = $1 GROUP BY d.status",
          {*user});
  for (const auto& row : statuses.rows) {
    out.by_status[row.text(0)] = UserStats::ByStatus{row.integer(1), row.integer(2)};
  }
  auto classes =
      run("SELECT r.object_class, count(*) FROM detection_results r "
          "JOIN detections d ON d.id = r.detection_id WHERE d.user_id = $1 GROUP BY r.object_class",
          {*user});
  for (const auto& row : classes.rows) out.objects_by_class[row.text(0)] = row.integer(1);
  const std::string in_range = fmt::format(
      "d.user_id = $1 AND d.created_at >= {} AND "
      "d.created_at < {}",
      d.time_param(2), d.time_param(3));
  const std::string day = d.utc_day("d.created_at");
  auto jobs = run(fmt::format("SELECT {0}, count(*), coalesce(sum(d.image_count), 0) "
                              "FROM detections d WHERE {1} GROUP BY {0}",
                              day, in_range),
                  {*user, from_ms, to_ms});
  for (const auto& row : jobs.rows) {
    auto& entry = out.by_day[row.text(0)];
    entry.jobs = row.integer(1);
    entry.images = row.integer(2);
  }
  auto objects = run(fmt::format("SELECT {0}, count(*) FROM detection_results r "
                                 "JOIN detections d ON d.id = r.detection_id WHERE {1} "
                                 "GROUP BY {0}",
                                 day, in_range),
                     {*user, from_ms, to_ms});
  for (const auto& row : objects.rows) out.by_day[row.text(0)].objects = row.integer(1);
  return out;
}

HistoryPage SqlJobRepository::history(const std::string& user_id, const HistoryFilter& wanted,
                                      int limit, int offset) {
  HistoryPage page;
  auto user = canonical_id(user_id);
  if (!user) return page;
  Params filter{*user};
  std::string where = "d.user_id = $1";
  if (wanted.status) {
    filter.emplace_back(std::string(to_string(*wanted.status)));
    where += fmt::format(" AND d.status = ${}", filter.size());
  }
  if (wanted.object_class) {
    filter.emplace_back(*wanted.object_class);
    where += fmt::format(
        " AND EXISTS (SELECT 1 FROM detection_results c WHERE c.detection_id = d.id AND "
        "c.object_class = ${})",
        filter.size());
  }
  int next = static_cast<int>(filter.size()) + 1;
  Params page_params = filter;
  page_params.emplace_back(std::int64_t{std::max(limit, 0)});
  page_params.emplace_back(std::int64_t{std::max(offset, 0)});
  auto rows = run(fmt::format("SELECT {} FROM detections d WHERE {} "
                              "ORDER BY d.created_at DESC, d.id DESC LIMIT ${} OFFSET ${}",
                              job_columns_, where, next, next + 1),
                  page_params);
  for (const auto& row : rows.rows) page.items.push_back(HistoryItem{read_job(row), 0, {}});
  auto total = run(fmt::format("SELECT count(*) FROM detections d WHERE {}", where), filter);
  page.total = total.rows.empty() ? 0 : total.rows.front().integer(0);
  if (page.items.empty()) return page;

  // One grouped count over the page's ids; the list is padded to a power of two (repeating
  // the last id) so that few distinct statements get prepared.
  Params ids;
  for (const auto& item : page.items) ids.emplace_back(item.job.id);
  std::size_t padded = 1;
  while (padded < ids.size()) padded *= 2;
  while (ids.size() < padded) ids.push_back(ids.back());
  auto counts = run(fmt::format("SELECT r.detection_id, r.object_class, count(*) "
                                "FROM detection_results r WHERE r.detection_id IN ({}) "
                                "GROUP BY r.detection_id, r.object_class",
                                placeholders(1, ids.size())),
                    ids);
  std::map<std::string, HistoryItem*> by_id;
  for (auto& item : page.items) by_id[item.job.id] = &item;
  for (const auto& row : counts.rows) {
    auto found = by_id.find(row.text(0));
    if (found == by_id.end()) continue;
    std::int64_t n = row.integer(2);
    found->second->counts[row.text(1)] += n;
    found->second->object_count += n;
  }
  return page;
}

Result<std::vector<FailedJob>> SqlJobRepository::recent_failures(int limit) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(fmt::format("SELECT {}, u.email FROM detections d JOIN users u ON u.id = "
                               "d.user_id WHERE d.status = 'failed' ORDER BY d.updated_at DESC, "
                               "d.id DESC LIMIT $1",
                               job_columns_),
                   {std::int64_t{std::max(limit, 0)}});
  });
  if (!rows) return rows.error();
  std::vector<FailedJob> out;
  for (const auto& row : rows.value().rows) out.push_back(FailedJob{read_job(row), row.text(14)});
  return out;
}

}  // namespace ov::storage::sql
