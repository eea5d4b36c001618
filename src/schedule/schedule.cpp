#include "schedule/schedule.hpp"

#include <charconv>

#include <fmt/format.h>

#include "core/text.hpp"

namespace ov::schedule {

Schedule Schedule::every(std::chrono::milliseconds interval) {
  Schedule s;
  s.kind_ = Kind::interval;
  s.interval_ = interval < std::chrono::milliseconds(1) ? std::chrono::milliseconds(1) : interval;
  s.text_ = fmt::format("@every {}ms", s.interval_.count());
  return s;
}

Schedule Schedule::never() {
  return Schedule();
}

Result<Schedule> Schedule::parse(std::string_view text) {
  std::string_view t = trim_blanks(text);
  if (t == "off" || t == "never") return never();
  if (t.starts_with("@every")) {
    std::string_view amount = trim_blanks(t.substr(6));
    double number = 0;
    auto [end, ec] = std::from_chars(amount.data(), amount.data() + amount.size(), number);
    std::string_view unit(end, amount.data() + amount.size() - end);
    double ms_per = unit == "ms"  ? 1
                    : unit == "s" ? 1000
                    : unit == "m" ? 60'000
                    : unit == "h" ? 3'600'000
                    : unit == "d" ? 86'400'000
                                  : 0;
    if (ec != std::errc() || ms_per == 0 || !(number > 0) || number * ms_per > 366.0 * 86'400'000) {
      return Error{Errc::invalid_argument,
                   fmt::format("schedule '{}': expected '@every N' with N a positive number and "
                               "a unit (ms, s, m, h, d), at most a year",
                               text)};
    }
    return every(std::chrono::milliseconds(static_cast<std::int64_t>(number * ms_per)));
  }
  auto cron = Cron::parse(t);
  if (!cron) return cron.error();
  Schedule s;
  s.kind_ = Kind::cron;
  s.cron_ = std::move(cron.value());
  s.text_ = std::string(t);
  return s;
}

std::optional<std::int64_t> Schedule::next_after(std::int64_t now_ms) const {
  switch (kind_) {
    case Kind::interval:
      return now_ms + interval_.count();
    case Kind::cron: {
      auto next = cron_->next_after(now_ms >= 0 ? now_ms / 1000 : (now_ms - 999) / 1000);
      if (!next) return std::nullopt;
      return *next * 1000;
    }
    case Kind::off:
      break;
  }
  return std::nullopt;
}

}  // namespace ov::schedule
