#include "core/job.hpp"

#include <array>
#include <utility>

namespace ov {
namespace {

constexpr std::array<std::pair<JobStatus, std::string_view>, 5> kStatuses{{
    {JobStatus::queued, "queued"},
    {JobStatus::processing, "processing"},
    {JobStatus::completed, "completed"},
    {JobStatus::failed, "failed"},
    {JobStatus::cancelled, "cancelled"},
}};

constexpr std::array<std::pair<JobEventKind, std::string_view>, 7> kKinds{{
    {JobEventKind::queued, "job.queued"},
    {JobEventKind::started, "job.started"},
    {JobEventKind::progress, "job.progress"},
    {JobEventKind::completed, "job.completed"},
    {JobEventKind::failed, "job.failed"},
    {JobEventKind::cancelled, "job.cancelled"},
    {JobEventKind::deleted, "job.deleted"},
}};

}  // namespace

std::string_view to_string(JobStatus status) {
  for (const auto& [s, name] : kStatuses) {
    if (s == status) return name;
  }
  return "failed";
}

std::optional<JobStatus> job_status_from_string(std::string_view text) {
  for (const auto& [s, name] : kStatuses) {
    if (name == text) return s;
  }
  return std::nullopt;
}

bool is_final(JobStatus status) {
  return status == JobStatus::completed || status == JobStatus::failed ||
         status == JobStatus::cancelled;
}

std::string_view to_string(JobEventKind kind) {
  for (const auto& [k, name] : kKinds) {
    if (k == kind) return name;
  }
  return "job.failed";
}

std::optional<JobEventKind> job_event_kind_from_string(std::string_view text) {
  for (const auto& [k, name] : kKinds) {
    if (name == text) return k;
  }
  return std::nullopt;
}

}  // namespace ov
