#include "jobs/lifecycle.hpp"

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "events/bus.hpp"
#include "files/file_store.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"
#include "queue/job_queue.hpp"
#include "storage/database.hpp"

namespace ov::jobs {
namespace {

std::int64_t now() {
  return now_ms();
}

// objectvision_job_events_total by kind (in the process that made the change: sum over
// processes), the time jobs waited before their first start and ran until they ended.
void count_event(JobEventKind kind, const Job& job) {
  static auto& events = obs::metrics().counter(
      "objectvision_job_events_total",
      "Changes of jobs made by this process, by kind (job.queued, job.started, job.progress, "
      "job.completed, job.failed, job.cancelled, job.deleted).",
      {"kind"});
  static auto& ran =
      obs::metrics().histogram("objectvision_job_run_duration_seconds",
                               "Time from a job's first start to its end (completed or failed).",
                               {}, {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800});
  events.with({to_string(kind)}).add();
  if ((kind == JobEventKind::completed || kind == JobEventKind::failed) && job.started_at_ms) {
    ran.with({}).observe(static_cast<double>(now() - *job.started_at_ms) / 1000.0);
  }
}

void count_first_start(const Job& job) {
  static auto& waited =
      obs::metrics().histogram("objectvision_job_queue_duration_seconds",
                               "Time from a job's submission to its first start by a worker.", {},
                               {0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800});
  if (job.started_at_ms) {
    waited.with({}).observe(static_cast<double>(*job.started_at_ms - job.created_at_ms) / 1000.0);
  }
}

}  // namespace

Lifecycle::Lifecycle(storage::Database& db, queue::JobQueue& queue, files::FileStore& files,
                     events::Bus& bus, Settings settings)
    : db_(db), queue_(queue), files_(files), bus_(bus), settings_(std::move(settings)) {}

void Lifecycle::publish(JobEventKind kind, const Job& job, JobStatus status, int done,
                        std::optional<std::string> image_id, std::optional<std::string> error) {
  count_event(kind, job);
  // What follows a job's end (its mail) comes after the event: a client waiting for the job
  // has its answer without waiting for the mail to be written.
  std::optional<Job> ended;
  if ((kind == JobEventKind::completed || kind == JobEventKind::failed) && settings_.on_finished) {
    ended = job;
    ended->status = status;
    ended->error = error;
  }
  JobEvent e;
  e.kind = kind;
  e.job_id = job.id;
  e.user_id = job.user_id;
  e.status = status;
  e.done = done;
  e.total = job.image_count;
  e.image_id = std::move(image_id);
  e.error = std::move(error);
  if (observer_) observer_(e);
  bus_.publish(events::Event{job.user_id, std::move(e)});
  if (ended) {
    try {
      settings_.on_finished(*ended);
    } catch (const std::exception& ex) {
      spdlog::warn("job {}: after its end: {}", job.id, ex.what());
    }
  }
}

// Files first (fsynced: a record never points at a file a crash took away), then the job, its
// images and its queue entry in one transaction; whatever fails undoes what came before.
Result<Job> Lifecycle::submit(const NewJob& request) {
  auto& repo = db_.jobs();
  if (repo.in_flight_for_user(request.user_id) >= settings_.max_in_flight_per_user) {
    return Error{Errc::rate_limited,
                 "Too many jobs in flight for this user; wait for some to finish"};
  }
  // The producer span of the job: the worker's span is its child, in the same trace.
  obs::ScopedSpan span("job.submit", obs::SpanKind::producer);
  Job job;
  job.id = request.id.empty() ? new_uuid() : request.id;
  job.user_id = request.user_id;
  job.name = request.name;
  job.params_json = to_json(request.params);
  if (const obs::SpanContext* trace = obs::current_span()) {
    job.trace_parent = trace->traceparent();
    job.trace_state = trace->trace_state;
  }
  span->set("objectvision.job.id", job.id);
  span->set("objectvision.job.images", static_cast<std::int64_t>(request.images.size()));
  std::vector<JobImage> images;
  for (const auto& img : request.images) {
    JobImage row;
    row.id = new_uuid();
    row.filename = img.filename;
    row.content_type = img.content_type;
    row.file_size = static_cast<std::int64_t>(img.bytes.size());
    row.original_path = files::FileStore::key(job.id, row.id, "original", img.extension);
    if (auto w = files_.write(row.original_path, img.bytes); !w) {
      files_.remove_detection(job.id);
      spdlog::error("job {}: cannot store an upload: {}", job.id, w.error().message);
      if (w.error().code == Errc::no_space) {
        return Error{Errc::no_space,
                     "Not enough storage space to keep the upload; try again later"};
      }
      if (w.error().code == Errc::unavailable) {
        return Error{Errc::unavailable, "The file store cannot be reached; try again shortly"};
      }
      return Error{Errc::internal, "The upload could not be stored"};
    }
    images.push_back(std::move(row));
  }
  storage::QueueEntry entry;
  entry.kind =
      settings_.outbox ? storage::QueueEntry::Kind::outbox : storage::QueueEntry::Kind::table;
  entry.max_attempts = settings_.max_attempts;
  entry.max_depth = settings_.max_depth;
  auto created = repo.create(job, images, entry);
  if (!created) {
    files_.remove_detection(job.id);
    if (created.error().code == Errc::rate_limited) {
      return Error{Errc::rate_limited, "The detection queue is full; try again shortly"};
    }
    return created.error();
  }
  const Job& stored = created->job;
  publish(JobEventKind::queued, stored, JobStatus::queued, 0);
  if (settings_.outbox) {
    // After the commit: the job reaches Redis now, or the reconciler publishes its outbox row.
    auto queued = queue_.enqueue(stored.id);
    if (!queued && queued.error().code == Errc::rate_limited) {
      (void)repo.remove(stored.id);
      files_.remove_detection(stored.id);
      return Error{Errc::rate_limited, "The detection queue is full; try again shortly"};
    }
    if (queued || queued.error().code == Errc::conflict) {
      (void)repo.outbox_done(stored.id);
    } else {
      spdlog::warn("job {}: not in the queue yet ({}); the reconciler will put it there", stored.id,
                   queued.error().message);
    }
  }
  queue_.wake();
  if (settings_.wake_workers) settings_.wake_workers();
  return stored;
}

Result<std::optional<RunningJob>> Lifecycle::start(const std::string& job_id) {
  auto& repo = db_.jobs();
  const std::int64_t start_ms = now();
  auto fence = repo.start(job_id, start_ms);
  if (!fence) return fence.error();
  if (!fence.value()) return std::optional<RunningJob>();
  auto job = repo.find(job_id);
  if (!job) return std::optional<RunningJob>();  // deleted meanwhile
  RunningJob run;
  run.job = std::move(*job);
  run.fence = *fence.value();
  if (run.job.started_at_ms == start_ms) count_first_start(run.job);
  run.images = repo.images(job_id);
  run.deadline = std::chrono::steady_clock::now() + settings_.timeout;
  if (run.job.started_at_ms) {
    // A retried job keeps the deadline of its first start.
    auto spent = std::chrono::milliseconds(now() - *run.job.started_at_ms);
    run.deadline -= std::min<std::chrono::steady_clock::duration>(spent, settings_.timeout);
  }
  auto params = params_from_json(run.job.params_json);
  if (!params) {
    (void)fail(job_id, "The job's parameters cannot be read: " + params.error().message);
    return std::optional<RunningJob>();
  }
  run.params = std::move(params.value());
  int done = 0;
  for (const auto& img : run.images) done += img.processed ? 1 : 0;
  publish(JobEventKind::started, run.job, JobStatus::processing, done);
  return std::optional<RunningJob>(std::move(run));
}

Result<Recorded> Lifecycle::record_image(RunningJob& run, const JobImage& image, ImageWork work) {
  storage::ImageOutcome outcome;
  outcome.image_id = image.id;
  outcome.width = work.width;
  outcome.height = work.height;
  outcome.error = std::move(work.error);
  if (!outcome.error && !work.annotated_extension.empty()) {
    outcome.annotated_path =
        files::FileStore::key(run.job.id, image.id, "annotated", work.annotated_extension);
  }
  if (!outcome.error) outcome.objects = std::move(work.objects);
  auto saved = db_.jobs().save_image(outcome, run.fence);
  if (!saved) return saved.error();
  switch (saved.value()) {
    case storage::Saved::saved: {
      int done = 0;
      for (auto& img : run.images) {
        if (img.id == image.id) img.processed = true;
        done += img.processed ? 1 : 0;
      }
      publish(JobEventKind::progress, run.job, JobStatus::processing, done, image.id,
              outcome.error);
      return Recorded::saved;
    }
    case storage::Saved::duplicate:
      return Recorded::duplicate;
    case storage::Saved::stale:  // not this worker's job any more; it wrote no file
      return Recorded::stale;
  }
  return Recorded::stale;
}

Result<bool> Lifecycle::finish(const RunningJob& run) {
  auto& repo = db_.jobs();
  auto images = repo.images(run.job.id);
  int failures = 0;
  std::optional<std::string> first_error;
  for (const auto& img : images) {
    if (img.error) {
      ++failures;
      if (!first_error) first_error = img.error;
    }
  }
  const bool failed = !images.empty() && failures == static_cast<int>(images.size());
  const JobStatus status = failed ? JobStatus::failed : JobStatus::completed;
  std::optional<std::string> error;
  if (failed) error = first_error;
  auto finished = repo.finish(run.job.id, run.fence, status, error, now());
  if (!finished) return finished.error();
  if (finished.value()) {
    // One line per job at its end: with its trace id when the job is traced (logging.hpp).
    spdlog::info("job {} {}: {} image(s), {} failed", run.job.id, to_string(status), images.size(),
                 failures);
    publish(failed ? JobEventKind::failed : JobEventKind::completed, run.job, status,
            static_cast<int>(images.size()), std::nullopt, error);
  }
  return finished.value();
}

Result<bool> Lifecycle::fail(const std::string& job_id, const std::string& error) {
  auto& repo = db_.jobs();
  auto failed = repo.fail(job_id, error, now());
  if (!failed) return failed.error();
  if (failed.value()) {
    spdlog::warn("job {} failed: {}", job_id, error);
    (void)queue_.remove(job_id);
    if (auto job = repo.find(job_id)) {
      publish(JobEventKind::failed, *job, JobStatus::failed, job->processed_count, std::nullopt,
              error);
    }
  }
  return failed.value();
}

Result<JobStatus> Lifecycle::cancel(const Job& job) {
  auto before = db_.jobs().cancel(job.id, now());
  if (!before) return before.error();
  if (!is_final(before.value())) {
    (void)queue_.remove(job.id);  // a queued job never runs; a running one stops
    auto current = db_.jobs().find(job.id);
    publish(JobEventKind::cancelled, job, JobStatus::cancelled,
            current ? current->processed_count : job.processed_count);
  }
  return before.value();
}

Result<void> Lifecycle::remove(const Job& job) {
  auto removed = db_.jobs().remove(job.id);
  if (!removed) return removed.error();
  (void)queue_.remove(job.id);
  files_.remove_detection(job.id);
  publish(JobEventKind::deleted, job, job.status, job.processed_count);
  return {};
}

}  // namespace ov::jobs
