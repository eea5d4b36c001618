#include "schedule/cron.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <vector>

#include <fmt/format.h>

#include "core/text.hpp"

namespace ov::schedule {
namespace {

struct FieldSpec {
  const char* name;
  int lo, hi;
  const char* const* names;  // lower-case names for lo.., or null
  int name_count;
};

constexpr const char* kMonths[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                   "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

Error bad(const FieldSpec& f, std::string_view part, std::string_view why) {
  return Error{Errc::invalid_argument, fmt::format("cron {} field '{}': {}", f.name, part, why)};
}

Result<int> value_of(const FieldSpec& f, std::string_view text) {
  if (f.names != nullptr && text.size() == 3) {
    std::string lower(text);
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (int i = 0; i < f.name_count; ++i) {
      if (lower == f.names[i]) return f.lo + i;
    }
  }
  int v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return bad(f, text, "not a number" + std::string(f.names ? " or a name" : ""));
  }
  return v;
}

// Sets the bits of one field; `hi_alias` lets day-of-week accept 7 for Sunday.
Result<std::vector<int>> parse_field(const FieldSpec& f, std::string_view text, int hi_alias) {
  std::vector<int> out;
  if (text.empty()) return bad(f, text, "empty");
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    std::string_view part = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (part.empty()) return bad(f, text, "an empty list item");
    int step = 1;
    std::string_view range = part;
    if (auto slash = part.find('/'); slash != std::string_view::npos) {
      auto s = value_of(FieldSpec{f.name, 1, 1000, nullptr, 0}, part.substr(slash + 1));
      if (!s || s.value() < 1) return bad(f, part, "the step must be a number from 1");
      step = s.value();
      range = part.substr(0, slash);
    }
    int a = f.lo, b = f.hi;
    if (range == "*") {
      if (hi_alias > f.hi) b = f.hi;  // 7 is only an alias of 0
    } else if (auto dash = range.find('-'); dash != std::string_view::npos) {
      auto x = value_of(f, range.substr(0, dash));
      auto y = value_of(f, range.substr(dash + 1));
      if (!x) return x.error();
      if (!y) return y.error();
      a = x.value();
      b = y.value();
      if (a > b) return bad(f, part, "the range runs backwards");
    } else {
      auto x = value_of(f, range);
      if (!x) return x.error();
      a = x.value();
      // "5/15" means from 5 to the end, every 15.
      b = part.find('/') != std::string_view::npos ? f.hi : a;
    }
    if (a < f.lo || b > hi_alias) {
      return bad(f, part, fmt::format("values go from {} to {}", f.lo, hi_alias));
    }
    for (int v = a; v <= b; v += step) out.push_back(v);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::string_view alias(std::string_view text) {
  if (text == "@hourly") return "0 * * * *";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  return text;
}

struct Civil {
  int year, month, day, weekday;  // weekday 0 = Sunday
};

Civil civil(std::int64_t unix_day) {
  using namespace std::chrono;
  const sys_days d{days{unix_day}};
  const year_month_day ymd{d};
  const weekday wd{d};
  return Civil{static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
               static_cast<int>(static_cast<unsigned>(ymd.day())),
               static_cast<int>(wd.c_encoding())};
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

}  // namespace

Result<Cron> Cron::parse(std::string_view text) {
  std::string_view spec = alias(trim_blanks(text));
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < spec.size()) {
    while (i < spec.size() && (spec[i] == ' ' || spec[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < spec.size() && spec[j] != ' ' && spec[j] != '\t') ++j;
    if (j > i) fields.push_back(spec.substr(i, j - i));
    i = j;
  }
  if (fields.size() != 5) {
    return Error{Errc::invalid_argument,
                 fmt::format("cron '{}': expected five fields (minute hour day-of-month month "
                             "day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly",
                             text)};
  }
  static const FieldSpec specs[5] = {{"minute", 0, 59, nullptr, 0},
                                     {"hour", 0, 23, nullptr, 0},
                                     {"day-of-month", 1, 31, nullptr, 0},
                                     {"month", 1, 12, kMonths, 12},
                                     {"day-of-week", 0, 6, kDays, 7}};
  Cron c;
  for (int f = 0; f < 5; ++f) {
    auto values = parse_field(specs[f], fields[f], f == 4 ? 7 : specs[f].hi);
    if (!values) return values.error();
    for (int v : values.value()) {
      switch (f) {
        case 0:
          c.minutes_.set(v);
          break;
        case 1:
          c.hours_.set(v);
          break;
        case 2:
          c.days_.set(v);
          break;
        case 3:
          c.months_.set(v);
          break;
        default:
          c.weekdays_.set(v % 7);
          break;
      }
    }
  }
  // Vixie cron: a field that starts with '*' (also "*/2") counts as unrestricted.
  c.any_day_ = fields[2].starts_with('*');
  c.any_weekday_ = fields[4].starts_with('*');
  return c;
}

bool Cron::day_matches(int day_of_month, int month, int weekday) const {
  if (!months_.test(month)) return false;
  const bool by_day = days_.test(day_of_month);
  const bool by_weekday = weekdays_.test(weekday);
  if (!any_day_ && !any_weekday_) return by_day || by_weekday;
  return by_day && by_weekday;
}

bool Cron::matches(std::int64_t unix_s) const {
  const std::int64_t day = floor_div(unix_s, 86400);
  const std::int64_t in_day = unix_s - day * 86400;
  const Civil c = civil(day);
  return day_matches(c.day, c.month, c.weekday) && hours_.test(in_day / 3600) &&
         minutes_.test((in_day % 3600) / 60);
}

std::optional<std::int64_t> Cron::next_after(std::int64_t unix_s) const {
  std::int64_t minute = floor_div(unix_s, 60) + 1;  // the first candidate minute
  std::int64_t day = floor_div(minute * 60, 86400);
  int from_minute_of_day = static_cast<int>(minute * 60 - day * 86400) / 60;
  for (int scanned = 0; scanned < 5 * 366 + 1; ++scanned, ++day, from_minute_of_day = 0) {
    const Civil c = civil(day);
    if (!day_matches(c.day, c.month, c.weekday)) continue;
    for (int m = from_minute_of_day; m < 24 * 60; ++m) {
      if (hours_.test(m / 60) && minutes_.test(m % 60)) return day * 86400 + m * 60;
    }
  }
  return std::nullopt;
}

}  // namespace ov::schedule
