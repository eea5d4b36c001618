#pragma once
// Process-wide logging on spdlog: one JSON object per line (LOG_FORMAT=json) or plain text.
// Every line carries the request id of the request being handled on this thread, if any.
#include <string>
#include <string_view>

namespace ov::obs {

// level: trace|debug|info|warning|error|critical; format: json|text. Call once from main.
void init_logging(const std::string& level, const std::string& format);

// The request id that log lines written on this thread carry (empty: none).
void set_request_id(std::string_view id);
const std::string& request_id();

// One access-log line: {"ts","level","msg":"request","method","route","path","status",
// "duration_ms","user","ip","request_id"} in JSON, or a readable line in text format.
struct AccessEntry {
  std::string_view method;
  std::string_view route;  // the path template, "-" when no route matched
  std::string_view path;
  int status = 0;
  double duration_ms = 0;
  std::string_view user_id;  // empty when anonymous
  std::string_view client_ip;
};
void log_access(const AccessEntry& entry);

}  // namespace ov::obs
