// The worker's side of a job, and its end: start (a new fence), one image at a time, finish,
// fail, cancel, remove.
#include <algorithm>

#include "core/ids.hpp"
#include "storage/sql/job_repository.hpp"
#include "storage/sql/job_rows.hpp"
#include "storage/sql/transaction.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage::sql {
namespace {

// Objects go in multi-row INSERTs of at most this many rows.
constexpr std::size_t kResultChunk = 32;
constexpr int kResultParams = 10;

constexpr const char* kInFlight =
    "SELECT count(*) FROM detections WHERE user_id = $1 AND status IN ('queued', 'processing')";
constexpr const char* kImageProcessed = "SELECT processed FROM detection_images WHERE id = $1";

}  // namespace

Result<std::optional<std::int64_t>> SqlJobRepository::start(const std::string& id,
                                                            std::int64_t now) {
  auto key = canonical_id(id);
  if (!key) return std::optional<std::int64_t>();
  auto r = pool_.with([&](Connection& c) { return c.query(start_, {*key, now}); });
  if (!r) return r.error();
  if (r.value().rows.empty()) return std::optional<std::int64_t>();
  return std::optional<std::int64_t>(r.value().rows.front().integer(0));
}

Result<void> SqlJobRepository::insert_objects(Connection& conn,
                                              const std::vector<FoundObject>& objects,
                                              const std::string& job_id,
                                              const std::string& image_id) {
  for (std::size_t start = 0; start < objects.size(); start += kResultChunk) {
    std::size_t n = std::min(kResultChunk, objects.size() - start);
    std::string values;
    Params params;
    for (std::size_t i = 0; i < n; ++i) {
      const FoundObject& o = objects[start + i];
      if (i) values += ", ";
      values += "(" + placeholders(static_cast<int>(i) * kResultParams + 1, kResultParams) + ")";
      params.insert(params.end(), {new_uuid(), job_id, image_id, o.label, std::int64_t{o.class_id},
                                   o.confidence, o.x, o.y, o.width, o.height});
    }
    auto inserted = conn.query(
        "INSERT INTO detection_results (id, detection_id, image_id, object_class, class_id, "
        "confidence, bbox_x, bbox_y, bbox_width, bbox_height) VALUES " +
            values,
        params);
    if (!inserted) return inserted.error();
  }
  return {};
}

Result<Saved> SqlJobRepository::save_image(const ImageOutcome& o, std::int64_t fence) {
  auto key = canonical_id(o.image_id);
  if (!key) return Saved::stale;
  return pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<Saved> {
      // The conditional UPDATE decides: of two concurrent savers only one changes the row
      // (PostgreSQL re-checks the row after the first commits; SQLite serialises writers),
      // and only while the job is processing under this fence.
      auto marked = c.query(mark_image_, {*key, nullable_int(o.width), nullable_int(o.height),
                                          nullable(o.annotated_path), nullable(o.error), fence});
      if (!marked) return marked.error();
      if (marked.value().rows.empty()) {
        auto processed = c.query(kImageProcessed, {*key});
        if (!processed) return processed.error();
        bool done = !processed.value().rows.empty() && processed.value().rows.front().boolean(0);
        return done ? Saved::duplicate : Saved::stale;
      }
      std::string job_id = marked.value().rows.front().text(0);
      if (auto ins = insert_objects(c, o.objects, job_id, *key); !ins) return ins.error();
      auto bumped = c.query(bump_processed_, {job_id, now_ms()});
      if (!bumped) return bumped.error();
      return Saved::saved;
    });
  });
}

Result<bool> SqlJobRepository::finish(const std::string& id, std::int64_t fence, JobStatus status,
                                      const std::optional<std::string>& error, std::int64_t now) {
  if (status != JobStatus::completed && status != JobStatus::failed) {
    return Error{Errc::invalid_argument, "finish takes completed or failed"};
  }
  auto key = canonical_id(id);
  if (!key) return false;
  auto r = pool_.with([&](Connection& c) {
    return c.query(finish_, {*key, std::string(to_string(status)), nullable(error), now, fence});
  });
  if (!r) return r.error();
  return r.value().affected == 1;
}

Result<bool> SqlJobRepository::fail(const std::string& id, const std::string& error,
                                    std::int64_t now) {
  auto key = canonical_id(id);
  if (!key) return false;
  auto r = pool_.with([&](Connection& c) { return c.query(fail_, {*key, error, now}); });
  if (!r) return r.error();
  return r.value().affected == 1;
}

Result<JobStatus> SqlJobRepository::cancel(const std::string& id, std::int64_t now) {
  auto key = canonical_id(id);
  if (!key) return Error{Errc::not_found, "job not found"};
  return pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<JobStatus> {
      auto rows = c.query(select_status_for_update_, {*key});
      if (!rows) return rows.error();
      if (rows.value().rows.empty()) return Error{Errc::not_found, "job not found"};
      auto old =
          job_status_from_string(rows.value().rows.front().text(0)).value_or(JobStatus::failed);
      if (!is_final(old)) {
        if (auto r = c.query(cancel_, {*key, now}); !r) return r.error();
      }
      return old;
    });
  });
}

Result<bool> SqlJobRepository::remove(const std::string& id) {
  auto key = canonical_id(id);
  if (!key) return false;
  auto r = pool_.with(
      [&](Connection& c) { return c.query("DELETE FROM detections WHERE id = $1", {*key}); });
  if (!r) return r.error();
  return r.value().affected == 1;
}

std::int64_t SqlJobRepository::in_flight_for_user(const std::string& user_id) {
  auto user = canonical_id(user_id);
  if (!user) return 0;
  auto rows = run(kInFlight, {*user});
  return rows.rows.empty() ? 0 : rows.rows.front().integer(0);
}

}  // namespace ov::storage::sql
