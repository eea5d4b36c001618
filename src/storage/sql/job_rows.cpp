#include "storage/sql/job_rows.hpp"

#include <fmt/format.h>

namespace ov::storage::sql {
namespace {

std::optional<int> optional_int(const Row& row, std::size_t i) {
  auto v = row.optional_integer(i);
  if (!v) return std::nullopt;
  return static_cast<int>(*v);
}

}  // namespace

std::string job_columns(const Dialect& d) {
  std::string params = d.kind() == Dialect::Kind::postgres ? "CAST(d.params AS TEXT)" : "d.params";
  return fmt::format(
      "d.id, d.user_id, d.name, d.status, {}, {}, {}, {}, {}, d.error, d.image_count, "
      "d.processed_count, d.trace_parent, d.trace_state",
      params, d.time_column("d.created_at"), d.time_column("d.updated_at"),
      d.time_column("d.started_at"), d.time_column("d.finished_at"));
}

Job read_job(const Row& row) {
  Job x;
  x.id = row.text(0);
  x.user_id = row.text(1);
  x.name = row.text(2);
  x.status = job_status_from_string(row.text(3)).value_or(JobStatus::failed);
  x.params_json = row.text(4);
  x.created_at_ms = row.integer(5);
  x.updated_at_ms = row.integer(6);
  x.started_at_ms = row.optional_integer(7);
  x.finished_at_ms = row.optional_integer(8);
  x.error = row.optional_text(9);
  x.image_count = static_cast<int>(row.integer(10));
  x.processed_count = static_cast<int>(row.integer(11));
  x.trace_parent = row.text(12);
  x.trace_state = row.text(13);
  return x;
}

std::string image_columns(const Dialect& d) {
  return fmt::format(
      "i.id, i.detection_id, i.position, i.filename, i.original_path, i.annotated_path, "
      "i.content_type, i.file_size, i.sha256, i.width, i.height, i.processed, i.error, {}, {}",
      d.time_column("i.original_deleted_at"), d.time_column("i.annotated_deleted_at"));
}

JobImage read_image(const Row& row) {
  JobImage x;
  x.id = row.text(0);
  x.job_id = row.text(1);
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
  x.original_deleted_at_ms = row.optional_integer(13);
  x.annotated_deleted_at_ms = row.optional_integer(14);
  return x;
}

FoundObject read_object(const Row& row) {
  FoundObject x;
  x.id = row.text(0);
  x.job_id = row.text(1);
  x.image_id = row.text(2);
  x.label = row.text(3);
  x.class_id = static_cast<int>(row.integer(4));
  x.confidence = row.real(5);
  x.x = row.real(6);
  x.y = row.real(7);
  x.width = row.real(8);
  x.height = row.real(9);
  return x;
}

std::string placeholders(int first, std::size_t count) {
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    if (i) out += ", ";
    out += fmt::format("${}", first + static_cast<int>(i));
  }
  return out;
}

Value nullable_int(const std::optional<int>& v) {
  if (!v) return Null{};
  return static_cast<std::int64_t>(*v);
}

}  // namespace ov::storage::sql
