#pragma once
// Events as JSON text: the one serialisation of a job event, used where an event leaves the
// process (the Redis bus) and where it reaches a client (the WebSocket: the same text).
//   job event:  {"type": "job.progress", "job_id", "detection_id", "status",
//                "progress": {"done", "total"}, "image_id"?, "error"?}
//   session:    {"type": "session.revoked", "jti", "reason"} or
//               {"type": "session.ended", "epoch", "reason"}
// The user is not in the text: the Redis channel (or the caller) names it.
#include <optional>
#include <string>
#include <string_view>

#include "core/job.hpp"
#include "core/session.hpp"
#include "events/bus.hpp"

namespace ov::events {

std::string to_json(const JobEvent& event);
std::optional<JobEvent> job_event_from_json(std::string_view text, const std::string& user_id);

std::string to_json(const SessionEnd& end);
std::string to_json(const UserChanged& change);  // "{}": the channel says it all
std::optional<SessionEnd> session_end_from_json(std::string_view text);

//   models:     {"type": "models.changed", "action", "name", "model", "origin"}
std::string to_json(const ModelsChanged& change);
std::optional<ModelsChanged> models_changed_from_json(std::string_view text);

}  // namespace ov::events
