#pragma once
// The answers of the DeepStack / CodeProject.AI routes. DeepStack's fields come first, in its
// order (success, predictions with integer pixel boxes, ...), then CodeProject.AI's; errors are
// {success: false, error, duration, code} with DeepStack's status codes. Bodies are whole
// strings: every answer has a Content-Length (Blue Iris fails on chunked replies).
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "http/message.hpp"
#include "inference/types.hpp"

namespace ov::api {

struct DeepstackCall {
  std::string command = "detect";  // "detect", or "custom" for /v1/vision/custom/{model}
  std::string request_id;
  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  std::size_t max_predictions = 0;  // 0: every detection
};

// The detections (highest confidence first, at most max_predictions) and the timings.
http::Response deepstack_detections(const inference::DetectionResult& result,
                                    const DeepstackCall& call);
http::Response deepstack_failure(int status, std::string_view error, const DeepstackCall& call);

// RFC 1123, as CodeProject.AI's timestampUTC: "Tue, 01 Dec 2026 07:00:00 GMT".
std::string rfc1123(std::chrono::system_clock::time_point when);

}  // namespace ov::api
