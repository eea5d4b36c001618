// Lifecycle::reconcile: what a crash or a Redis outage leaves, repaired from the database.
#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "jobs/lifecycle.hpp"
#include "queue/job_queue.hpp"
#include "storage/database.hpp"

namespace ov::jobs {
namespace {

constexpr int kBatch = 500;

}  // namespace

Result<ReconcileReport> Lifecycle::reconcile() {
  ReconcileReport report;
  auto& repo = db_.jobs();
  const std::int64_t started = now_ms();
  const std::int64_t quiet_ms = settings_.quiet.count();

  // 1. Outbox rows a request committed but could not publish (a crash, Redis away).
  if (settings_.outbox) {
    auto pending = repo.outbox(started - settings_.outbox_grace.count() + 1, kBatch);
    if (!pending) return pending.error();
    for (const auto& id : pending.value()) {
      auto queued = queue_.enqueue(id);
      if (!queued && queued.error().code != Errc::conflict) {
        spdlog::warn("reconciler: job {} still not in the queue: {}", id, queued.error().message);
        continue;
      }
      (void)repo.outbox_done(id);
      ++report.published;
    }
  }

  // 2. Unfinished jobs: past their deadline -> failed; lost by the queue -> back in it; dead in
  //    the queue -> failed with the queue's last error.
  auto unfinished = repo.unfinished(started - quiet_ms + 1, kBatch);
  if (!unfinished) return unfinished.error();
  const std::int64_t deadline_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(settings_.timeout).count();
  std::vector<std::string> ids;
  for (const auto& job : unfinished.value()) {
    if (job.status == JobStatus::processing && job.started_at_ms &&
        started - *job.started_at_ms >= deadline_ms + quiet_ms) {
      if (auto failed = fail(job.id, "Job timed out"); failed && failed.value()) {
        ++report.timed_out;
      }
      continue;
    }
    ids.push_back(job.id);
  }
  if (ids.empty()) return report;
  auto states = queue_.states(ids);
  if (!states) return states.error();
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto& state = states.value()[i];
    if (state.kind == storage::QueueState::Kind::dead) {
      std::string error = state.error.empty() ? "Processing failed repeatedly" : state.error;
      if (auto failed = fail(ids[i], error); failed && failed.value()) ++report.dead;
    } else if (state.kind == storage::QueueState::Kind::absent) {
      auto queued = queue_.enqueue(ids[i]);
      if (queued || queued.error().code == Errc::conflict) {
        spdlog::warn("reconciler: job {} was unfinished but not in the queue; queued it again",
                     ids[i]);
        ++report.requeued;
      } else {
        spdlog::warn("reconciler: cannot queue job {} again: {}", ids[i], queued.error().message);
      }
    }
  }
  if (report.requeued > 0) {
    queue_.wake();
    if (settings_.wake_workers) settings_.wake_workers();
  }
  return report;
}

}  // namespace ov::jobs
