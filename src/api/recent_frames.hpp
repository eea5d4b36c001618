#pragma once
// The same frame asked again. NVRs send one alert's frame to several endpoints (Blue Iris: the
// detection and a custom model, at once), and a still scene repeats. Requests with one key (who
// asks, the image's hash, the model, the parameters) within `window` of the first are answered
// from its result without a second inference: those that arrive while it runs wait for it
// (their own deferred answers: no thread is held), those after it get it at once. A failure
// reaches those waiting for it but is not kept. At most `capacity` keys are tracked (beyond,
// requests simply run). Thread-safe; counted (answered from a kept result, joined a running one).
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/error.hpp"
#include "inference/types.hpp"

namespace ov::api {

class RecentFrames {
 public:
  using Clock = std::chrono::steady_clock;
  using Deliver = std::function<void(const Result<inference::DetectionResult>&)>;

  // window 0: off (every request runs). `now` is injectable for tests.
  explicit RecentFrames(std::chrono::milliseconds window, std::size_t capacity = 1024,
                        std::function<Clock::time_point()> now = Clock::now);

  // True: the caller runs the detection and then calls complete(key, ...) once. False: the
  // key's first request has it: `deliver` was called already (its kept result) or will be, by
  // that request's complete(), on its thread.
  bool join(const std::string& key, Deliver deliver);
  void complete(const std::string& key, const Result<inference::DetectionResult>& result);

  struct Stats {
    std::uint64_t answered = 0;  // from a kept result
    std::uint64_t joined = 0;    // waited for a running first request
  };
  Stats stats() const;

 private:
  struct Entry {
    bool done = false;
    inference::DetectionResult result;  // when done
    Clock::time_point finished;
    std::vector<Deliver> waiting;
  };
  void expire(Clock::time_point now);  // under mu_

  const std::chrono::milliseconds window_;
  const std::size_t capacity_;
  std::function<Clock::time_point()> now_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<std::pair<Clock::time_point, std::string>> finished_;  // oldest first
  Stats stats_;
};

}  // namespace ov::api
