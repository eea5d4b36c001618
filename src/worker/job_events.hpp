#pragma once
// The JSON of live job events (docs/api.md, "Live progress").
#include <optional>
#include <string>
#include <string_view>

namespace ov::worker {

struct JobEvent {
  std::string_view type;  // job.queued | job.started | job.progress | job.completed | ...
  std::string_view detection_id;
  std::string_view status;
  int done = 0;
  int total = 0;
  std::optional<std::string> image_id;
  std::optional<std::string> error;
};

std::string job_event_json(const JobEvent& event);

}  // namespace ov::worker
