#include "storage/sql/detection_repository.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/ids.hpp"
#include "storage/sql/transaction.hpp"
#include "storage/sql/values.hpp"

namespace ov::storage {

std::string_view to_string(DetectionStatus status) {
  switch (status) {
    case DetectionStatus::queued:
      return "queued";
    case DetectionStatus::processing:
      return "processing";
    case DetectionStatus::completed:
      return "completed";
    case DetectionStatus::failed:
      return "failed";
    case DetectionStatus::cancelled:
      return "cancelled";
  }
  return "failed";
}

std::optional<DetectionStatus> detection_status_from_string(std::string_view text) {
  for (auto s : {DetectionStatus::queued, DetectionStatus::processing, DetectionStatus::completed,
                 DetectionStatus::failed, DetectionStatus::cancelled}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

bool is_final(DetectionStatus status) {
  return status == DetectionStatus::completed || status == DetectionStatus::failed ||
         status == DetectionStatus::cancelled;
}

namespace sql {
namespace {

// Results go in multi-row INSERTs of at most this many rows.
constexpr std::size_t kResultChunk = 32;
constexpr int kResultParams = 10;

Value nullable_int(const std::optional<int>& v) {
  if (!v) return Null{};
  return static_cast<std::int64_t>(*v);
}

std::optional<int> optional_int(const Row& row, std::size_t i) {
  auto v = row.optional_integer(i);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

std::string detection_columns(const Dialect& d) {
  std::string params = d.kind() == Dialect::Kind::postgres ? "CAST(d.params AS TEXT)" : "d.params";
  return fmt::format(
      "d.id, d.user_id, d.name, d.status, {}, {}, {}, {}, {}, d.error, d.image_count, "
      "d.processed_count",
      params, d.time_column("d.created_at"), d.time_column("d.updated_at"),
      d.time_column("d.started_at"), d.time_column("d.finished_at"));
}

Detection read_detection(const Row& row) {
  Detection x;
  x.id = row.text(0);
  x.user_id = row.text(1);
  x.name = row.text(2);
  x.status = detection_status_from_string(row.text(3)).value_or(DetectionStatus::failed);
  x.params_json = row.text(4);
  x.created_at_ms = row.integer(5);
  x.updated_at_ms = row.integer(6);
  x.started_at_ms = row.optional_integer(7);
  x.finished_at_ms = row.optional_integer(8);
  x.error = row.optional_text(9);
  x.image_count = static_cast<int>(row.integer(10));
  x.processed_count = static_cast<int>(row.integer(11));
  return x;
}

constexpr const char* kImageColumns =
    "i.id, i.detection_id, i.position, i.filename, i.original_path, i.annotated_path, "
    "i.content_type, i.file_size, i.sha256, i.width, i.height, i.processed, i.error";

DetectionImage read_image(const Row& row) {
  DetectionImage x;
  x.id = row.text(0);
  x.detection_id = row.text(1);
  x.position = static_cast<int>(row.integer(2));
  x.filename = row.text(3);
  x.original_path = row.text(4);
  x.annotated_path = row.optional_text(5);
  x.content_type = row.text(6);
  x.file_size = row.optional_integer(7);
  x.sha256 = row.optional_text(8);
  x.width = optional_int(row, 9);
  x.height = optional_int(row, 10);
  x.processed = row.boolean(11);
  x.error = row.optional_text(12);
  return x;
}

DetectionResult read_result(const Row& row) {
  DetectionResult x;
  x.id = row.text(0);
  x.detection_id = row.text(1);
  x.image_id = row.text(2);
  x.object_class = row.text(3);
  x.class_id = static_cast<int>(row.integer(4));
  x.confidence = row.real(5);
  x.bbox_x = row.real(6);
  x.bbox_y = row.real(7);
  x.bbox_width = row.real(8);
  x.bbox_height = row.real(9);
  return x;
}

// "$first, $first+1, ..." for count placeholders.
std::string placeholders(int first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    out += fmt::format("${}", first + static_cast<int>(i));
  }
  return out;
}

constexpr const char* kInFlight =
    "SELECT count(*) FROM detections WHERE user_id = $1 AND status IN ('queued', 'processing')";

}  // namespace

SqlDetectionRepository::SqlDetectionRepository(Pool& pool, Dialect d)
    : pool_(pool), dialect_(d), detection_columns_(detection_columns(d)) {
  bool pg = d.kind() == Dialect::Kind::postgres;
  insert_detection_ = fmt::format(
      "INSERT INTO detections (id, user_id, name, status, params, created_at, updated_at, "
      "image_count, processed_count) VALUES ($1, $2, $3, 'queued', {0}, {1}, {1}, $6, 0)",
      pg ? "CAST($4 AS jsonb)" : "$4", d.time_param(5));
  insert_image_ =
      "INSERT INTO detection_images (id, detection_id, position, filename, original_path, "
      "content_type, file_size, sha256, processed) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, FALSE)";
  select_detection_ =
      fmt::format("SELECT {} FROM detections d WHERE d.id = $1", detection_columns_);
  select_for_user_ = fmt::format("SELECT {} FROM detections d WHERE d.id = $1 AND d.user_id = $2",
                                 detection_columns_);
  select_images_ =
      fmt::format("SELECT {} FROM detection_images i WHERE i.detection_id = $1 ORDER BY i.position",
                  kImageColumns);
  select_image_ = fmt::format(
      "SELECT {}, d.user_id FROM detection_images i JOIN detections d ON d.id = i.detection_id "
      "WHERE i.id = $1",
      kImageColumns);
  select_results_ =
      "SELECT r.id, r.detection_id, r.image_id, r.object_class, r.class_id, r.confidence, "
      "r.bbox_x, r.bbox_y, r.bbox_width, r.bbox_height FROM detection_results r "
      "JOIN detection_images i ON i.id = r.image_id WHERE r.detection_id = $1 "
      "ORDER BY i.position, r.confidence DESC, r.id";
  mark_processing_ = fmt::format(
      "UPDATE detections SET status = 'processing', started_at = COALESCE(started_at, {0}), "
      "updated_at = {0} WHERE id = $1 AND status IN ('queued', 'processing')",
      d.time_param(2));
  mark_image_ =
      "UPDATE detection_images SET processed = TRUE, width = $2, height = $3, "
      "annotated_path = $4, error = $5 WHERE id = $1 AND processed = FALSE "
      "RETURNING detection_id";
  bump_processed_ = fmt::format(
      "UPDATE detections SET processed_count = processed_count + 1, updated_at = {} "
      "WHERE id = $1",
      d.time_param(2));
  finish_ = fmt::format(
      "UPDATE detections SET status = $2, error = $3, finished_at = {0}, updated_at = {0} "
      "WHERE id = $1 AND status IN ('queued', 'processing')",
      d.time_param(4));
  select_status_for_update_ =
      std::string("SELECT status FROM detections WHERE id = $1") + (pg ? " FOR UPDATE" : "");
  cancel_ = fmt::format(
      "UPDATE detections SET status = 'cancelled', finished_at = {0}, updated_at = {0} "
      "WHERE id = $1 AND status IN ('queued', 'processing')",
      d.time_param(2));
}

QueryResult SqlDetectionRepository::run(const std::string& sql, const Params& params) {
  return value_or_raise(pool_.with([&](Connection& c) { return c.query(sql, params); }));
}

Result<DetectionWithImages> SqlDetectionRepository::create(
    const Detection& detection, const std::vector<DetectionImage>& images) {
  DetectionWithImages out;
  Detection& x = out.detection;
  x = detection;
  auto id = x.id.empty() ? std::optional<std::string>(new_uuid()) : canonical_id(x.id);
  auto user = canonical_id(x.user_id);
  if (!id || !user) return Error{Errc::invalid_argument, "detection and user ids must be UUIDs"};
  x.id = *id;
  x.user_id = *user;
  x.status = DetectionStatus::queued;
  if (x.params_json.empty()) x.params_json = "{}";
  if (x.created_at_ms == 0) x.created_at_ms = now_ms();
  x.updated_at_ms = x.created_at_ms;
  x.started_at_ms.reset();
  x.finished_at_ms.reset();
  x.error.reset();
  x.image_count = static_cast<int>(images.size());
  x.processed_count = 0;
  for (std::size_t i = 0; i < images.size(); ++i) {
    DetectionImage img = images[i];
    auto image_id = img.id.empty() ? std::optional<std::string>(new_uuid()) : canonical_id(img.id);
    if (!image_id) return Error{Errc::invalid_argument, "image ids must be UUIDs"};
    img.id = *image_id;
    img.detection_id = x.id;
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
      auto inserted = c.query(insert_detection_, {x.id, x.user_id, x.name, x.params_json,
                                                  x.created_at_ms, std::int64_t{x.image_count}});
      if (!inserted) return inserted.error();
      for (const auto& img : out.images) {
        auto row = c.query(insert_image_, {img.id, img.detection_id, std::int64_t{img.position},
                                           img.filename, img.original_path, img.content_type,
                                           nullable(img.file_size), nullable(img.sha256)});
        if (!row) return row.error();
      }
      return true;
    });
  });
  if (!done) return done.error();
  return out;
}

std::optional<Detection> SqlDetectionRepository::find(const std::string& id) {
  auto key = canonical_id(id);
  if (!key) return std::nullopt;
  auto rows = run(select_detection_, {*key});
  if (rows.rows.empty()) return std::nullopt;
  return read_detection(rows.rows.front());
}

std::optional<Detection> SqlDetectionRepository::find_for_user(const std::string& id,
                                                               const std::string& user_id) {
  auto key = canonical_id(id);
  auto user = canonical_id(user_id);
  if (!key || !user) return std::nullopt;
  auto rows = run(select_for_user_, {*key, *user});
  if (rows.rows.empty()) return std::nullopt;
  return read_detection(rows.rows.front());
}

std::vector<DetectionImage> SqlDetectionRepository::images(const std::string& detection_id) {
  std::vector<DetectionImage> out;
  auto key = canonical_id(detection_id);
  if (!key) return out;
  for (const auto& row : run(select_images_, {*key}).rows) out.push_back(read_image(row));
  return out;
}

std::optional<OwnedImage> SqlDetectionRepository::image(const std::string& image_id) {
  auto key = canonical_id(image_id);
  if (!key) return std::nullopt;
  auto rows = run(select_image_, {*key});
  if (rows.rows.empty()) return std::nullopt;
  return OwnedImage{read_image(rows.rows.front()), rows.rows.front().text(13)};
}

std::vector<DetectionResult> SqlDetectionRepository::results(const std::string& detection_id) {
  std::vector<DetectionResult> out;
  auto key = canonical_id(detection_id);
  if (!key) return out;
  for (const auto& row : run(select_results_, {*key}).rows) out.push_back(read_result(row));
  return out;
}

std::map<std::string, HistoryItem*> SqlDetectionRepository::index_page(HistoryPage& page) {
  std::map<std::string, HistoryItem*> by_id;
  for (auto& item : page.items) by_id[item.detection.id] = &item;
  return by_id;
}

HistoryPage SqlDetectionRepository::history(const std::string& user_id,
                                            std::optional<DetectionStatus> status, int limit,
                                            int offset) {
  HistoryPage page;
  auto user = canonical_id(user_id);
  if (!user) return page;
  Params filter{*user};
  std::string where = "d.user_id = $1";
  if (status) {
    filter.emplace_back(std::string(to_string(*status)));
    where += " AND d.status = $2";
  }
  int next = static_cast<int>(filter.size()) + 1;
  Params page_params = filter;
  page_params.emplace_back(std::int64_t{std::max(limit, 0)});
  page_params.emplace_back(std::int64_t{std::max(offset, 0)});
  auto rows = run(fmt::format("SELECT {} FROM detections d WHERE {} "
                              "ORDER BY d.created_at DESC, d.id DESC LIMIT ${} OFFSET ${}",
                              detection_columns_, where, next, next + 1),
                  page_params);
  for (const auto& row : rows.rows) page.items.push_back(HistoryItem{read_detection(row), 0, {}});
  auto total = run(fmt::format("SELECT count(*) FROM detections d WHERE {}", where), filter);
  page.total = total.rows.empty() ? 0 : total.rows.front().integer(0);
  if (page.items.empty()) return page;

  // One grouped count over the page's ids; the list is padded to a power of two (repeating
  // the last id) so that few distinct statements get prepared.
  Params ids;
  for (const auto& item : page.items) ids.emplace_back(item.detection.id);
  std::size_t padded = 1;
  while (padded < ids.size()) padded *= 2;
  while (ids.size() < padded) ids.push_back(ids.back());
  auto counts = run(fmt::format("SELECT r.detection_id, r.object_class, count(*) "
                                "FROM detection_results r WHERE r.detection_id IN ({}) "
                                "GROUP BY r.detection_id, r.object_class",
                                placeholders(1, ids.size())),
                    ids);
  auto by_id = index_page(page);
  for (const auto& row : counts.rows) {
    auto found = by_id.find(row.text(0));
    if (found == by_id.end()) continue;
    std::int64_t n = row.integer(2);
    found->second->counts[row.text(1)] += n;
    found->second->object_count += n;
  }
  return page;
}

Result<bool> SqlDetectionRepository::mark_processing(const std::string& id,
                                                     std::int64_t started_at_ms) {
  auto key = canonical_id(id);
  if (!key) return false;
  auto r = pool_.with([&](Connection& c) {
    return c.query(mark_processing_, {*key, started_at_ms});
  });
  if (!r) return r.error();
  return r.value().affected == 1;
}

Result<void> SqlDetectionRepository::insert_results(Connection& conn,
                                                    const std::vector<DetectionResult>& results,
                                                    const std::string& detection_id,
                                                    const std::string& image_id) {
  for (std::size_t start = 0; start < results.size(); start += kResultChunk) {
    std::size_t n = std::min(kResultChunk, results.size() - start);
    std::string values;
    Params params;
    for (std::size_t i = 0; i < n; ++i) {
      const DetectionResult& r = results[start + i];
      if (i) values += ", ";
      values += "(" + placeholders(static_cast<int>(i) * kResultParams + 1, kResultParams) + ")";
      params.insert(params.end(),
                    {new_uuid(), detection_id, image_id, r.object_class, std::int64_t{r.class_id},
                     r.confidence, r.bbox_x, r.bbox_y, r.bbox_width, r.bbox_height});
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

Result<bool> SqlDetectionRepository::save_image_result(const ImageOutcome& o) {
  auto key = canonical_id(o.image_id);
  if (!key) return false;
  return pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<bool> {
      // The conditional UPDATE decides: of two concurrent savers only one changes the row
      // (PostgreSQL re-checks processed after the first commits; SQLite serialises writers).
      auto marked = c.query(mark_image_, {*key, nullable_int(o.width), nullable_int(o.height),
                                          nullable(o.annotated_path), nullable(o.error)});
      if (!marked) return marked.error();
      if (marked.value().rows.empty()) return false;
      std::string detection_id = marked.value().rows.front().text(0);
      if (auto ins = insert_results(c, o.results, detection_id, *key); !ins) return ins.error();
      auto bumped = c.query(bump_processed_, {detection_id, now_ms()});
      if (!bumped) return bumped.error();
      return true;
    });
  });
}

Result<bool> SqlDetectionRepository::finish(const std::string& id, DetectionStatus status,
                                            const std::optional<std::string>& error,
                                            std::int64_t finished_at_ms) {
  if (status != DetectionStatus::completed && status != DetectionStatus::failed) {
    return Error{Errc::invalid_argument, "finish takes completed or failed"};
  }
  auto key = canonical_id(id);
  if (!key) return false;
  auto r = pool_.with([&](Connection& c) {
    return c.query(finish_,
                   {*key, std::string(to_string(status)), nullable(error), finished_at_ms});
  });
  if (!r) return r.error();
  return r.value().affected == 1;
}

Result<DetectionStatus> SqlDetectionRepository::cancel(const std::string& id, std::int64_t now) {
  auto key = canonical_id(id);
  if (!key) return Error{Errc::not_found, "detection not found"};
  return pool_.with([&](Connection& c) {
    return in_transaction(c, dialect_, [&]() -> Result<DetectionStatus> {
      auto rows = c.query(select_status_for_update_, {*key});
      if (!rows) return rows.error();
      if (rows.value().rows.empty()) return Error{Errc::not_found, "detection not found"};
      auto old = detection_status_from_string(rows.value().rows.front().text(0))
                     .value_or(DetectionStatus::failed);
      if (!is_final(old)) {
        if (auto r = c.query(cancel_, {*key, now}); !r) return r.error();
      }
      return old;
    });
  });
}

Result<bool> SqlDetectionRepository::remove(const std::string& id) {
  auto key = canonical_id(id);
  if (!key) return false;
  auto r = pool_.with(
      [&](Connection& c) { return c.query("DELETE FROM detections WHERE id = $1", {*key}); });
  if (!r) return r.error();
  return r.value().affected == 1;
}

std::int64_t SqlDetectionRepository::in_flight_for_user(const std::string& user_id) {
  auto user = canonical_id(user_id);
  if (!user) return 0;
  auto rows = run(kInFlight, {*user});
  return rows.rows.empty() ? 0 : rows.rows.front().integer(0);
}

}  // namespace sql
}  // namespace ov::storage
