// Cron times against a naive reference: for each expression a hand-written predicate of
// (minute, hour, day, month, weekday), and next_after() compared with a minute-by-minute scan
// from many starting times. Then the parse errors, and the schedules built on it.
#include "schedule/cron.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <random>

#include "schedule/schedule.hpp"

namespace ov::schedule {
namespace {

struct Fields {
  int minute, hour, day, month, weekday;
};

Fields fields_of(std::int64_t unix_s) {
  using namespace std::chrono;
  const sys_seconds t{seconds{unix_s}};
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{t - day};
  return Fields{static_cast<int>(hms.minutes().count()), static_cast<int>(hms.hours().count()),
                static_cast<int>(static_cast<unsigned>(ymd.day())),
                static_cast<int>(static_cast<unsigned>(ymd.month())),
                static_cast<int>(weekday{day}.c_encoding())};
}

std::optional<std::int64_t> naive_next(const std::function<bool(const Fields&)>& match,
                                       std::int64_t after) {
  std::int64_t t = (after / 60 + 1) * 60;
  for (int i = 0; i < 5 * 366 * 24 * 60; ++i, t += 60) {
    if (match(fields_of(t))) return t;
  }
  return std::nullopt;
}

struct Case {
  const char* text;
  std::function<bool(const Fields&)> match;
};

TEST(Cron, NextAfterMatchesAMinuteByMinuteScan) {
  const std::vector<Case> cases = {
      {"* * * * *", [](const Fields&) { return true; }},
      {"*/15 9-17 * * mon-fri",
       [](const Fields& f) {
         return f.minute % 15 == 0 && f.hour >= 9 && f.hour <= 17 && f.weekday >= 1 &&
                f.weekday <= 5;
       }},
      {"30 2 * * *", [](const Fields& f) { return f.minute == 30 && f.hour == 2; }},
      {"@daily", [](const Fields& f) { return f.minute == 0 && f.hour == 0; }},
      {"@weekly", [](const Fields& f) { return f.minute == 0 && f.hour == 0 && f.weekday == 0; }},
      {"0 0 29 2 *",
       [](const Fields& f) { return f.minute == 0 && f.hour == 0 && f.day == 29 && f.month == 2; }},
      // Both day fields restricted: either one (Vixie cron).
      {"0 12 1,15 * 0",
       [](const Fields& f) {
         return f.minute == 0 && f.hour == 12 && (f.day == 1 || f.day == 15 || f.weekday == 0);
       }},
      // A day-of-week of 7 is Sunday; a step from a start.
      {"5/20 */6 * jan,jul 7",
       [](const Fields& f) {
         return (f.minute == 5 || f.minute == 25 || f.minute == 45) && f.hour % 6 == 0 &&
                (f.month == 1 || f.month == 7) && f.weekday == 0;
       }},
      // "*/2" in the day-of-month counts as unrestricted: both day fields must match.
      {"0 0 */2 * 1",
       [](const Fields& f) {
         return f.minute == 0 && f.hour == 0 && f.day % 2 == 1 && f.weekday == 1;
       }},
  };
  std::mt19937_64 rng(42);
  // 2020-01-01 to 2030-01-01, plus edges: a leap day, a year's end.
  std::uniform_int_distribution<std::int64_t> when(1'577'836'800, 1'893'456'000);
  std::vector<std::int64_t> starts = {1'582'934'399 /* 2020-02-28 23:59:59 */,
                                      1'609'459'199 /* 2020-12-31 23:59:59 */, 1'700'000'000};
  for (int i = 0; i < 12; ++i) starts.push_back(when(rng));
  for (const auto& c : cases) {
    auto cron = Cron::parse(c.text);
    ASSERT_TRUE(cron.ok()) << c.text << ": " << cron.error().message;
    for (std::int64_t start : starts) {
      auto want = naive_next(c.match, start);
      ASSERT_TRUE(want.has_value()) << c.text;
      EXPECT_EQ(cron->next_after(start), want) << c.text << " after " << start;
      EXPECT_TRUE(cron->matches(*want)) << c.text;
    }
  }
}

TEST(Cron, ATimeThatNeverComesHasNoNextRun) {
  auto cron = Cron::parse("0 0 30 2 *");
  ASSERT_TRUE(cron.ok());
  EXPECT_FALSE(cron->next_after(1'700'000'000).has_value());
}

TEST(Cron, ParseErrorsNameTheField) {
  const std::vector<std::pair<const char*, const char*>> bad = {
      {"* * * *", "five fields"},    {"60 * * * *", "minute"},     {"* 24 * * *", "hour"},
      {"* * 0 * *", "day-of-month"}, {"* * * 13 *", "month"},      {"* * * * 8", "day-of-week"},
      {"*/0 * * * *", "step"},       {"5-1 * * * *", "backwards"}, {"a * * * *", "minute"},
      {"1,,2 * * * *", "empty"},     {"* * * foo *", "month"},     {"@fortnightly", "five fields"},
  };
  for (const auto& [text, needle] : bad) {
    auto r = Cron::parse(text);
    ASSERT_FALSE(r.ok()) << text;
    EXPECT_NE(r.error().message.find(needle), std::string::npos)
        << text << ": " << r.error().message;
  }
}

TEST(Schedule, IntervalsCronAndOff) {
  auto every = Schedule::parse("@every 90s");
  ASSERT_TRUE(every.ok());
  EXPECT_EQ(every->next_after(1'000), 91'000);
  EXPECT_EQ(every->text(), "@every 90000ms");
  auto half = Schedule::parse("@every 0.5s");
  ASSERT_TRUE(half.ok());
  EXPECT_EQ(half->next_after(0), 500);
  auto nightly = Schedule::parse(" 30 2 * * * ");
  ASSERT_TRUE(nightly.ok());
  EXPECT_EQ(nightly->next_after(1'700'000'000'000), 1'700'015'400'000);  // 2023-11-15 02:30
  auto off = Schedule::parse("off");
  ASSERT_TRUE(off.ok());
  EXPECT_TRUE(off->off());
  EXPECT_FALSE(off->next_after(0).has_value());
  for (const char* text : {"@every", "@every 0s", "@every 5 parsecs", "@every -1m", "@every 2y"}) {
    EXPECT_FALSE(Schedule::parse(text).ok()) << text;
  }
}

}  // namespace
}  // namespace ov::schedule
