#pragma once
// The daily report run (the reports.daily scheduled task): every active user with the report
// on, in pages, gets a mail of their jobs of the 24 hours up to `until_ms`, unless they ran none.
#include <cstdint>

#include "core/error.hpp"

namespace ov::storage {
class Database;
}

namespace ov::mail {

class Mailer;

struct DailyReportRun {
  int queued = 0;  // stored now or by an earlier run of the same UTC day
  int idle = 0;    // users without a job in the period: no mail
  int failed = 0;  // not stored (logged)
};

Result<DailyReportRun> queue_daily_reports(storage::Database& db, Mailer& mailer,
                                           std::int64_t until_ms);

}  // namespace ov::mail
