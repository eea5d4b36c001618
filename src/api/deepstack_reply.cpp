#include "api/deepstack_reply.hpp"

#include <fmt/format.h>

#include <cmath>
#include <ctime>
#include <set>

#include "core/host.hpp"
#include "core/text.hpp"

namespace ov::api {
namespace {

long elapsed_ms(std::chrono::steady_clock::time_point start) {
  return std::lround(
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
}

const std::string& processed_by() {
  static const std::string host = json_escape(host_name());
  return host;
}

std::string prediction_json(const inference::DetectedObject& d) {
  return fmt::format(
      R"({{"label":"{}","confidence":{},"y_min":{},"x_min":{},"y_max":{},"x_max":{}}})",
      json_escape(d.label), std::round(static_cast<double>(d.confidence) * 1e4) / 1e4,
      std::lround(d.box.y1), std::lround(d.box.x1), std::lround(d.box.y2), std::lround(d.box.x2));
}

// CodeProject.AI's message: the labels found, each once, by their best confidence.
std::string message(const std::vector<inference::DetectedObject>& shown) {
  if (shown.empty()) return "No objects found";
  std::string labels;
  std::set<std::string> seen;
  for (const auto& d : shown) {
    if (seen.insert(d.label).second) labels += (labels.empty() ? "" : ", ") + d.label;
  }
  return "Found " + labels;
}

}  // namespace

std::string rfc1123(std::chrono::system_clock::time_point when) {
  const std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  ::gmtime_r(&t, &utc);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

http::Response deepstack_detections(const inference::DetectionResult& result,
                                    const DeepstackCall& call) {
  const std::size_t shown = call.max_predictions > 0
                                ? std::min(call.max_predictions, result.detections.size())
                                : result.detections.size();
  const std::vector<inference::DetectedObject> kept(
      result.detections.begin(), result.detections.begin() + static_cast<long>(shown));
  std::string predictions;
  for (const auto& d : kept) predictions += (predictions.empty() ? "" : ",") + prediction_json(d);
  const long process_ms = elapsed_ms(call.start);
  return http::Response::json(
      200,
      fmt::format(
          R"({{"success":true,"predictions":[{}],"count":{},"message":"{}","duration":{},)"
          R"("inferenceMs":{},"processMs":{},"analysisRoundTripMs":{},"moduleId":"ObjectVision",)"
          R"("moduleName":"ObjectVision Object Detection","code":200,"command":"{}",)"
          R"("requestId":"{}","inferenceDevice":"CPU","processedBy":"{}","timestampUTC":"{}"}})",
          predictions, kept.size(), json_escape(message(kept)), process_ms,
          std::lround(result.inference_ms), process_ms, process_ms, call.command,
          json_escape(call.request_id), processed_by(), rfc1123(std::chrono::system_clock::now())));
}

http::Response deepstack_failure(int status, std::string_view error, const DeepstackCall& call) {
  return http::Response::json(
      status, fmt::format(R"({{"success":false,"error":"{}","duration":{},"code":{},)"
                          R"("command":"{}","requestId":"{}","timestampUTC":"{}"}})",
                          json_escape(error), elapsed_ms(call.start), status, call.command,
                          json_escape(call.request_id), rfc1123(std::chrono::system_clock::now())));
}

}  // namespace ov::api
