#pragma once
// Cron-style times (five fields, UTC): minute hour day-of-month month day-of-week. A field is
// `*`, a number, a range `a-b`, a step `*/n` or `a-b/n`, or a comma-separated list of those;
// months and days may be named (jan..dec, sun..sat; 0 and 7 are Sunday). Also @hourly, @daily
// (@midnight), @weekly, @monthly, @yearly (@annually). As in Vixie cron, when both the day of
// the month and the day of the week are restricted, a day matching either one runs.
#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace ov::schedule {

class Cron {
 public:
  // Errc::invalid_argument naming the field and what is wrong with it.
  static Result<Cron> parse(std::string_view text);

  // The first matching minute strictly after `unix_s` (Unix seconds, UTC), or nullopt when
  // none comes within five years (such as February 30th).
  std::optional<std::int64_t> next_after(std::int64_t unix_s) const;
  // Whether the minute holding `unix_s` matches.
  bool matches(std::int64_t unix_s) const;

 private:
  bool day_matches(int day_of_month, int month, int weekday) const;

  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1..31
  std::bitset<13> months_;   // 1..12
  std::bitset<7> weekdays_;  // 0 (Sunday)..6
  bool any_day_ = true;      // day of month is `*`
  bool any_weekday_ = true;  // day of week is `*`
};

}  // namespace ov::schedule
