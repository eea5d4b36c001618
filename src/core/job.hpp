#pragma once
// Domain types of detection jobs. No I/O here.
//   Job          one upload of one or more images, and its state
//   JobImage     one image of a job
//   FoundObject  one object detected in one image of a job (as stored and served)
//   JobEvent     what happened to a job, for its owner's WebSockets and waiting requests
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ov {

enum class JobStatus { queued, processing, completed, failed, cancelled };
std::string_view to_string(JobStatus status);
std::optional<JobStatus> job_status_from_string(std::string_view text);
// completed, failed or cancelled: nothing will change it any more.
bool is_final(JobStatus status);

struct Job {
  std::string id;  // a UUID; files are named after it
  std::string user_id;
  std::string name;
  JobStatus status = JobStatus::queued;
  std::string params_json = "{}";  // the request's parameters (see jobs/params.hpp)
  std::int64_t created_at_ms = 0;  // Unix epoch milliseconds
  std::int64_t updated_at_ms = 0;
  std::optional<std::int64_t> started_at_ms;
  std::optional<std::int64_t> finished_at_ms;
  std::optional<std::string> error;
  int image_count = 0;
  int processed_count = 0;
  // The W3C trace context of the request that submitted it (empty: not traced); the worker's
  // spans continue it.
  std::string trace_parent;
  std::string trace_state;
};

struct JobImage {
  std::string id;
  std::string job_id;
  int position = 0;  // the order of the upload
  std::string filename;
  std::string original_path;  // file-store keys
  std::optional<std::string> annotated_path;
  std::string content_type;
  std::optional<std::int64_t> file_size;
  std::optional<std::string> sha256;  // hex; a strong ETag
  std::optional<int> width;
  std::optional<int> height;
  bool processed = false;
  std::optional<std::string> error;
  // When the retention task deleted the original / the annotated image (Unix ms); unset: kept.
  std::optional<std::int64_t> original_deleted_at_ms;
  std::optional<std::int64_t> annotated_deleted_at_ms;
};

struct FoundObject {
  std::string id;
  std::string job_id;
  std::string image_id;
  std::string label;  // the model's class name ("object_class" in the API)
  int class_id = 0;
  double confidence = 0;  // 0..1
  double x = 0;           // top-left corner and size, in pixels of the (EXIF-oriented) image
  double y = 0;
  double width = 0;
  double height = 0;
};

enum class JobEventKind { queued, started, progress, completed, failed, cancelled, deleted };
std::string_view to_string(JobEventKind kind);  // "job.queued", "job.started", ...
std::optional<JobEventKind> job_event_kind_from_string(std::string_view text);

struct JobEvent {
  JobEventKind kind = JobEventKind::queued;
  std::string job_id;
  std::string user_id;
  JobStatus status = JobStatus::queued;
  int done = 0;  // images processed so far
  int total = 0;
  std::optional<std::string> image_id;  // progress: the image just processed
  std::optional<std::string> error;     // that image's error, or the job's
  bool final() const { return is_final(status); }
};

}  // namespace ov
