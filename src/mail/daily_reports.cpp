#include "mail/daily_reports.hpp"

#include "mail/mailer.hpp"
#include "storage/database.hpp"

namespace ov::mail {

Result<DailyReportRun> queue_daily_reports(storage::Database& db, Mailer& mailer,
                                           std::int64_t until_ms) {
  constexpr int kPage = 200;
  constexpr std::int64_t kDayMs = 86'400'000;
  DailyReportRun run;
  std::string after;
  for (;;) {
    auto users = db.users().with_daily_report(after, kPage);
    if (!users) return users.error();
    for (const User& user : users.value()) {
      auto period = db.jobs().period(user.id, until_ms - kDayMs, until_ms);
      if (!period) return period.error();
      Mailer::Figures f;
      for (const auto& [status, counts] : period.value().by_status) {
        f.jobs += counts.jobs;
        f.images += counts.images;
        if (status == "failed") f.failed += counts.jobs;
      }
      if (f.jobs == 0) {
        ++run.idle;
        continue;
      }
      f.objects_by_class = period.value().objects_by_class;
      ++(mailer.daily_report(user, until_ms, f) ? run.queued : run.failed);
    }
    if (static_cast<int>(users.value().size()) < kPage) break;
    after = users.value().back().id;
  }
  return run;
}

}  // namespace ov::mail
