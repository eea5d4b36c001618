#pragma once
// Keeps a repeating failure (Redis down on every request) from flooding the log: at most one
// message per interval, reporting how many were held back since the last one. Thread-safe.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>

namespace ov::cache {

class LogThrottle {
 public:
  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(10))
      : interval_(interval) {}

  // The number of events suppressed since the last admitted one when this event should be
  // logged now, nullopt when it should be suppressed.
  std::optional<std::uint64_t> admit() {
    auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    if (logged_once_ && now - last_ < interval_) {
      ++suppressed_;
      return std::nullopt;
    }
    logged_once_ = true;
    last_ = now;
    std::uint64_t held_back = suppressed_;
    suppressed_ = 0;
    return held_back;
  }

 private:
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  bool logged_once_ = false;
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t suppressed_ = 0;
};

}  // namespace ov::cache
