#include "worker/job_events.hpp"
#include "core/text.hpp"

#include <fmt/format.h>

#include "obs/logging.hpp"

namespace ov::worker {

std::string job_event_json(const JobEvent& e) {
  std::string out = fmt::format(
      R"({{"type":"{}","job_id":"{}","detection_id":"{}","status":"{}","progress":{{"done":{},"total":{}}})",
      e.type, e.detection_id, e.detection_id, e.status, e.done, e.total);
  if (e.image_id) out += fmt::format(R"(,"image_id":"{}")", *e.image_id);
  if (e.error) out += fmt::format(R"(,"error":"{}")", json_escape(*e.error));
  return out + "}";
}

}  // namespace ov::worker
