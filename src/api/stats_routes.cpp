// GET /api/v1/detect/stats: the caller's totals (jobs, images, objects), objects per class,
// and jobs, images and objects per UTC day over a range (?from=YYYY-MM-DD&to=YYYY-MM-DD,
// both included; the last 30 days by default, at most 366). Four queries whatever the amount
// of data; cached like history pages (any job event of the user makes them stale).
#include <algorithm>
#include <charconv>
#include <chrono>

#include <fmt/format.h>

#include <boost/json.hpp>

#include "api/caches.hpp"
#include "api/detection_routes.hpp"
#include "api/json_io.hpp"
#include "api/route_docs.hpp"
#include "core/ids.hpp"
#include "storage/database.hpp"
#include "storage/jobs.hpp"

namespace ov::api {
namespace json = boost::json;
using http::Context;
using http::Response;
namespace chrono = std::chrono;

namespace {

constexpr int kDefaultDays = 30;
constexpr int kMaxDays = 366;

std::string day_text(chrono::sys_days day) {
  const chrono::year_month_day ymd{day};
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

std::optional<chrono::sys_days> parse_day(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  int y = 0;
  unsigned m = 0, d = 0;
  auto num = [](std::string_view part, auto& out) {
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), out);
    return ec == std::errc() && p == part.data() + part.size();
  };
  if (!num(text.substr(0, 4), y) || !num(text.substr(5, 2), m) || !num(text.substr(8, 2), d)) {
    return std::nullopt;
  }
  const chrono::year_month_day ymd{chrono::year{y}, chrono::month{m}, chrono::day{d}};
  if (!ymd.ok() || y < 1970) return std::nullopt;
  return chrono::sys_days{ymd};
}

chrono::sys_days day_param(const Context& ctx, const char* name, chrono::sys_days fallback) {
  auto text = ctx.request.query_param(name);
  if (!text || text->empty()) return fallback;
  auto day = parse_day(*text);
  if (!day) throw_validation("query", name, "Input should be a date YYYY-MM-DD", "date_parsing");
  return *day;
}

std::string stats_json(const storage::UserStats& st, chrono::sys_days from, chrono::sys_days to) {
  std::int64_t jobs = 0, images = 0, objects = 0;
  json::object by_status{
      {"queued", 0}, {"processing", 0}, {"completed", 0}, {"failed", 0}, {"cancelled", 0}};
  for (const auto& [status, figures] : st.by_status) {
    by_status[status] = figures.jobs;
    jobs += figures.jobs;
    images += figures.images;
  }
  std::vector<std::pair<std::string, std::int64_t>> classes(st.objects_by_class.begin(),
                                                            st.objects_by_class.end());
  std::sort(classes.begin(), classes.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  json::array by_class;
  for (const auto& [label, count] : classes) {
    by_class.emplace_back(json::object{{"object_class", label}, {"count", count}});
    objects += count;
  }
  json::array by_day;  // every day of the range, oldest first, zeros included
  for (auto day = from; day <= to; day += chrono::days{1}) {
    const std::string key = day_text(day);
    storage::UserStats::Day figures;
    if (auto it = st.by_day.find(key); it != st.by_day.end()) figures = it->second;
    by_day.emplace_back(json::object{{"date", key},
                                     {"jobs", figures.jobs},
                                     {"images", figures.images},
                                     {"objects", figures.objects}});
  }
  return json::serialize(json::object{
      {"totals", json::object{{"jobs", jobs}, {"images", images}, {"objects", objects}}},
      {"jobs_by_status", std::move(by_status)},
      {"objects_by_class", std::move(by_class)},
      {"range", json::object{{"from", day_text(from)}, {"to", day_text(to)}}},
      {"by_day", std::move(by_day)}});
}

Response stats(Services& s, Context& ctx) {
  const std::string& me = ctx.principal->user.id;
  const auto stamp = s.caches.stamp(me);
  const auto today = chrono::floor<chrono::days>(chrono::system_clock::now());
  const auto to = day_param(ctx, "to", today);
  const auto from = day_param(ctx, "from", to - chrono::days{kDefaultDays - 1});
  if (from > to) throw_validation("query", "from", "from must not be after to", "value_error");
  if ((to - from).count() + 1 > kMaxDays) {
    throw_validation("query", "from", "The range is at most 366 days", "value_error");
  }
  const auto ms = [](chrono::sys_days day) {
    return chrono::duration_cast<chrono::milliseconds>(day.time_since_epoch()).count();
  };
  const std::string key = "\nstats?" + ctx.request.query;  // beside the history pages
  auto shared = s.caches.shared_history(me, key);
  if (shared.value) {
    s.caches.remember_history(me, key, *shared.value, stamp);
    return Response::json(200, std::move(*shared.value));
  }
  auto figures = s.db.jobs().stats(me, ms(from), ms(to + chrono::days{1}));
  std::string body = stats_json(figures, from, to);
  s.caches.remember_history(me, key, body, stamp);
  s.caches.share_history(me, key, body, shared.generation);
  return Response::json(200, std::move(body));
}

std::optional<Response> stats_fast(Services& s, Context& ctx) {
  auto cached = s.caches.history(ctx.principal->user.id, "\nstats?" + ctx.request.query);
  if (!cached) return std::nullopt;
  return Response::json(200, std::move(*cached));
}

}  // namespace

void register_stats_routes(http::Router& router, Services& s) {
  router.add({"GET", "/api/v1/detect/stats", http::AuthMode::bearer, "", docs::stats(),
              [&s](Context& c) { return stats(s, c); },
              [&s](Context& c) { return stats_fast(s, c); }});
}

}  // namespace ov::api
