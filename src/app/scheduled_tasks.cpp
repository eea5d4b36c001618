#include "app/scheduled_tasks.hpp"

#include <fmt/format.h>

#include "app/backups.hpp"
#include "app/runtime.hpp"
#include "core/ids.hpp"
#include "jobs/lifecycle.hpp"
#include "mail/daily_reports.hpp"
#include "storage/backup.hpp"
#include "storage/database.hpp"

namespace ov::app {
namespace {

Result<schedule::Schedule> parse(const char* variable, const std::string& text) {
  auto s = schedule::Schedule::parse(text);
  if (!s) return Error{Errc::invalid_argument, fmt::format("{}: {}", variable, s.error().message)};
  return s;
}

Result<std::string> purge_tokens(Runtime& rt) {
  const std::int64_t rows = rt.db->tokens().purge_expired(now_ms());
  return fmt::format("{} expired refresh tokens and blacklist entries deleted", rows);
}

Result<std::string> reconcile_jobs(Runtime& rt) {
  auto report = rt.jobs->reconcile();
  if (!report) return report.error();
  const auto& r = report.value();
  return fmt::format(
      "{} outbox entries published, {} jobs queued again, {} failed (dead in the queue), {} "
      "failed (timed out)",
      r.published, r.requeued, r.dead, r.timed_out);
}

Result<std::string> delete_expired_files(Runtime& rt) {
  const auto& c = rt.config;
  const auto age_ms = static_cast<std::int64_t>(c.retention_days * 86'400'000.0);
  auto done = rt.jobs->delete_expired_files(now_ms() - age_ms, !c.retention_keep_annotated);
  if (!done) return done.error();
  return fmt::format("files of {} image(s) deleted (jobs ended more than {} days ago)",
                     done.value(), c.retention_days);
}

Result<std::string> queue_daily_reports(Runtime& rt) {
  auto run = mail::queue_daily_reports(*rt.db, *rt.mailer, now_ms());
  if (!run) return run.error();
  const auto& r = run.value();
  if (r.failed > 0) {
    return Error{Errc::unavailable,
                 fmt::format("{} daily report(s) not stored ({} stored)", r.failed, r.queued)};
  }
  return fmt::format("{} daily report(s) stored, {} user(s) without jobs skipped", r.queued,
                     r.idle);
}

}  // namespace

Result<void> check_schedules(const config::Config& c) {
  for (const auto& [variable, text] :
       {std::pair{"SCHEDULE_TOKENS_PURGE", &c.schedule_tokens_purge},
        std::pair{"SCHEDULE_BACKUP", &c.schedule_backup},
        std::pair{"SCHEDULE_RETENTION", &c.schedule_retention},
        std::pair{"SCHEDULE_DAILY_REPORT", &c.schedule_daily_report}}) {
    if (auto s = parse(variable, *text); !s) return s.error();
  }
  return {};
}

Result<std::vector<schedule::Task>> scheduled_tasks(Runtime& rt) {
  const auto& c = rt.config;
  if (auto ok = check_schedules(c); !ok) return ok.error();
  std::vector<schedule::Task> tasks;
  auto reconcile = schedule::Schedule::every(
      std::chrono::milliseconds(static_cast<std::int64_t>(c.reconcile_interval_s * 1000)));
  tasks.push_back({"jobs.reconcile", reconcile, [&rt] { return reconcile_jobs(rt); }});
  auto purge = parse("SCHEDULE_TOKENS_PURGE", c.schedule_tokens_purge);
  if (!purge) return purge.error();
  tasks.push_back({"tokens.purge", *purge, [&rt] { return purge_tokens(rt); }});
  if (storage::sqlite_path(c.database_url)) {  // PostgreSQL is backed up with its own tools
    auto backup = parse("SCHEDULE_BACKUP", c.schedule_backup);
    if (!backup) return backup.error();
    tasks.push_back({"database.backup", *backup, [&rt] { return make_backup(rt.config); }});
  }
  if (rt.mailer && c.email_transport != "off") {
    auto reports = parse("SCHEDULE_DAILY_REPORT", c.schedule_daily_report);
    if (!reports) return reports.error();
    tasks.push_back({"reports.daily", *reports, [&rt] { return queue_daily_reports(rt); }});
  }
  if (c.retention_days > 0) {
    auto retention = parse("SCHEDULE_RETENTION", c.schedule_retention);
    if (!retention) return retention.error();
    tasks.push_back({"files.retention", *retention, [&rt] { return delete_expired_files(rt); }});
  }
  return tasks;
}

Result<std::unique_ptr<schedule::Scheduler>> start_scheduler(Runtime& rt,
                                                             const std::string& holder) {
  auto tasks = scheduled_tasks(rt);
  if (!tasks) return tasks.error();
  auto scheduler = std::make_unique<schedule::Scheduler>(rt.db->schedules(), holder);
  for (auto& t : tasks.value()) scheduler->add(std::move(t));
  scheduler->start();
  return scheduler;
}

}  // namespace ov::app
