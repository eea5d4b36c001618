#pragma once
// When a scheduled task runs: at a fixed interval ("@every 90s", "@every 5m", "@every 1h",
// "@every 1d"), at cron times ("30 2 * * *", "@daily"; see cron.hpp), or never ("off").
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "schedule/cron.hpp"

namespace ov::schedule {

class Schedule {
 public:
  // Errc::invalid_argument saying what is wrong.
  static Result<Schedule> parse(std::string_view text);
  static Schedule every(std::chrono::milliseconds interval);
  static Schedule never();

  // The next run time after `now_ms` (Unix milliseconds); nullopt: never.
  std::optional<std::int64_t> next_after(std::int64_t now_ms) const;
  bool off() const { return kind_ == Kind::off; }
  // The canonical text ("@every 30000ms", the cron text, "off"): stored with the task, so
  // that a changed schedule is noticed.
  const std::string& text() const { return text_; }

 private:
  enum class Kind { interval, cron, off };
  Kind kind_ = Kind::off;
  std::chrono::milliseconds interval_{0};
  std::optional<Cron> cron_;
  std::string text_ = "off";
};

}  // namespace ov::schedule
