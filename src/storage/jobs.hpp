#pragma once
// Jobs (one upload of one or more images, its images and the objects found in them), the
// embedded queue's table, the outbox of the scaled shape, and named leases. Reached through
// Database::jobs(), queue_table() and leases(); thread-safe, blocking. Timestamps are Unix
// epoch milliseconds. Ids that are not UUIDs never match anything. jobs::Lifecycle is the one
// caller that changes a job's status.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/job.hpp"

namespace ov::storage {

struct OwnedImage {
  JobImage image;
  std::string user_id;  // the job's owner, for the caller's ownership check
};

struct JobWithImages {
  Job job;
  std::vector<JobImage> images;  // by position
};

struct HistoryItem {
  Job job;
  std::int64_t object_count = 0;
  std::map<std::string, std::int64_t> counts;  // label -> how many
};

// Which of a user's jobs a history page lists: every one, or those with a status, or those
// where an object of a class was found (both: both).
struct HistoryFilter {
  std::optional<JobStatus> status;
  std::optional<std::string> object_class;
};

struct HistoryPage {
  std::vector<HistoryItem> items;  // newest first (created_at desc, then id desc)
  std::int64_t total = 0;          // matching rows, all pages
};

// A failed job with whose it is (GET /api/v1/admin/failures).
struct FailedJob {
  Job job;
  std::string user_email;
};

// A user's figures (GET /api/v1/detect/stats): all-time totals and counts per class, and
// per UTC day over a range.
struct UserStats {
  struct ByStatus {
    std::int64_t jobs = 0;
    std::int64_t images = 0;  // uploaded in those jobs
  };
  std::map<std::string, ByStatus> by_status;             // "completed" -> ...
  std::map<std::string, std::int64_t> objects_by_class;  // label -> found objects
  struct Day {
    std::int64_t jobs = 0, images = 0, objects = 0;
  };
  std::map<std::string, Day> by_day;  // "2026-12-01" -> ...; days without jobs absent
};

// A user's jobs created in a period and what they found (the daily report).
struct PeriodFigures {
  std::map<std::string, UserStats::ByStatus> by_status;  // "completed" -> jobs, images
  std::map<std::string, std::int64_t> objects_by_class;  // label -> found objects
};

// Where a new job's queue entry goes, in the transaction that creates the job.
struct QueueEntry {
  enum class Kind {
    table,   // the embedded queue: a claimable job_queue row
    outbox,  // the scaled shape: an outbox row, published to Redis after the commit
  } kind = Kind::table;
  int max_attempts = 3;
  int max_depth = 1000;  // table: Errc::rate_limited when this many jobs wait already
};

// What processing one image produced: its size and annotated file, or an error.
struct ImageOutcome {
  std::string image_id;
  std::optional<int> width;
  std::optional<int> height;
  std::optional<std::string> annotated_path;
  std::optional<std::string> error;
  std::vector<FoundObject> objects;  // ids, job_id and image_id are filled in
};

enum class Saved {
  saved,      // written
  duplicate,  // the image was processed already: nothing written
  stale,      // the job is not processing under this fence (or is gone): nothing written
};

// An unfinished job as the reconciler sees it.
struct UnfinishedJob {
  std::string id;
  JobStatus status = JobStatus::queued;
  std::optional<std::int64_t> started_at_ms;
  std::int64_t updated_at_ms = 0;
};

// An image whose files the retention task deletes: the keys it still has (nullopt: none). The
// annotated key is given whether or not annotated images expire (one that stays is drawn
// before its original goes, when it never was).
struct ExpiredImage {
  std::string image_id;
  std::optional<std::string> original;
  std::optional<std::string> annotated;
};

// Calls returning Result report database failures as values; the others throw StorageError.
class JobRepository {
 public:
  virtual ~JobRepository() = default;
  // The job (status queued), its images and its queue entry in one transaction; positions
  // follow the vector's order. Errc::conflict for a taken id; invalid_argument for ids that
  // are not UUIDs or an unknown user (a foreign key); rate_limited for a full table queue.
  virtual Result<JobWithImages> create(const Job& job, const std::vector<JobImage>& images,
                                       const QueueEntry& entry) = 0;
  virtual std::optional<Job> find(const std::string& id) = 0;
  // Only when user_id owns it (admins: the caller uses find()).
  virtual std::optional<Job> find_for_user(const std::string& id, const std::string& user_id) = 0;
  virtual std::vector<JobImage> images(const std::string& job_id) = 0;  // by position
  virtual std::optional<OwnedImage> image(const std::string& image_id) = 0;
  // By image position, then confidence, highest first.
  virtual std::vector<FoundObject> objects(const std::string& job_id) = 0;
  // One image's objects, by confidence, highest first (its own index: a large batch's other
  // images are not read).
  virtual std::vector<FoundObject> image_objects(const std::string& image_id) = 0;
  // A page of the user's jobs with per-class counts, in three queries whatever the page size
  // (page, total, one grouped count over the page's ids).
  // Four queries whatever the amount of data: statuses, classes, jobs and objects per day
  // for jobs created in [from_ms, to_ms).
  virtual UserStats stats(const std::string& user_id, std::int64_t from_ms, std::int64_t to_ms) = 0;
  // Two queries: the user's jobs created in [from_ms, to_ms) by status, and their objects by
  // class.
  virtual Result<PeriodFigures> period(const std::string& user_id, std::int64_t from_ms,
                                       std::int64_t to_ms) = 0;
  virtual HistoryPage history(const std::string& user_id, const HistoryFilter& filter, int limit,
                              int offset) = 0;
  // Every user's failed jobs, the latest failure first (one query, on the status index).
  virtual Result<std::vector<FailedJob>> recent_failures(int limit) = 0;
  // queued|processing -> processing (started_at kept when set) with a new fence, returned;
  // nullopt for anything else (cancelled, finished, gone): do not process it.
  virtual Result<std::optional<std::int64_t>> start(const std::string& id, std::int64_t now_ms) = 0;
  // Exactly once per image, in one transaction, while the job is processing under `fence`:
  // inserts the objects, marks the image processed with its size / annotated path / error and
  // increments the job's processed_count.
  virtual Result<Saved> save_image(const ImageOutcome& outcome, std::int64_t fence) = 0;
  // processing (under fence) -> completed | failed. False when it is not.
  virtual Result<bool> finish(const std::string& id, std::int64_t fence, JobStatus status,
                              const std::optional<std::string>& error, std::int64_t now_ms) = 0;
  // queued|processing -> failed, whoever holds it. False when final already or gone.
  virtual Result<bool> fail(const std::string& id, const std::string& error,
                            std::int64_t now_ms) = 0;
  // queued|processing -> cancelled (finished_at set). Returns the status it had before;
  // a final status is returned unchanged. Errc::not_found when absent.
  virtual Result<JobStatus> cancel(const std::string& id, std::int64_t now_ms) = 0;
  // Deletes it with its images, objects, queue and outbox rows; false when absent.
  virtual Result<bool> remove(const std::string& id) = 0;
  // The user's queued + processing jobs (backpressure).
  virtual std::int64_t in_flight_for_user(const std::string& user_id) = 0;
  // Queued and processing jobs last updated before `updated_before_ms`, oldest first.
  virtual Result<std::vector<UnfinishedJob>> unfinished(std::int64_t updated_before_ms,
                                                        int limit) = 0;
  // The outbox (scaled shape): ids whose rows were created before `created_before_ms`, and
  // the removal of a row once its job is in the queue.
  virtual Result<std::vector<std::string>> outbox(std::int64_t created_before_ms, int limit) = 0;
  virtual Result<void> outbox_done(const std::string& id) = 0;
  // Retention: images of jobs that ended (completed, failed, cancelled) before
  // `ended_before_ms` whose original — and, with `annotated`, annotated image — is still kept,
  // the oldest jobs first; and the record that those files are deleted.
  virtual Result<std::vector<ExpiredImage>> expired_images(std::int64_t ended_before_ms,
                                                           bool annotated, int limit) = 0;
  virtual Result<void> mark_files_deleted(const std::string& image_id, bool annotated,
                                          std::int64_t now_ms) = 0;
};

// The embedded queue's table (job_queue), one entry per job. The queue::JobQueue over it is
// the interface to use; this is its storage seam. A claim hands out a lease token: the calls
// that take one act only while that token still holds the entry.
struct JobClaim {
  std::string job_id;
  int attempt = 0;  // 1 for the first delivery
  int max_attempts = 0;
  std::string token;
};

struct JobTableStats {
  std::int64_t queued = 0;  // waiting, including retries not yet due
  std::int64_t running = 0;
  std::optional<std::int64_t> oldest_queued_at_ms;  // created_at of the oldest waiting entry
};

// Where a job stands in a queue.
struct QueueState {
  enum class Kind { absent, waiting, running, dead } kind = Kind::absent;
  std::string error;  // dead: the last error
};

class QueueTable {
 public:
  virtual ~QueueTable() = default;
  // An entry for a job that has none (the reconciler's repair): rate_limited when max_depth
  // entries wait already; conflict when the job has one; not_found when the job does not exist.
  virtual Result<void> enqueue(const std::string& job_id, int max_attempts, int max_depth,
                               std::int64_t now_ms) = 0;
  // Atomically takes the first due queued entry, or a running one whose lease ended before now
  // (its attempt count goes up), and leases it to token until now + lease_ms.
  virtual Result<std::optional<JobClaim>> claim(const std::string& token, std::int64_t now_ms,
                                                std::int64_t lease_ms) = 0;
  // false when the token no longer holds the entry.
  virtual Result<bool> extend(const std::string& job_id, const std::string& token,
                              std::int64_t until_ms) = 0;
  virtual Result<bool> complete(const std::string& job_id, const std::string& token) = 0;
  // retry_at_ms set: back to queued, due then; unset: dead (status failed). False when the
  // token no longer holds the entry.
  virtual Result<bool> fail(const std::string& job_id, const std::string& token,
                            const std::string& error, std::optional<std::int64_t> retry_at_ms) = 0;
  virtual Result<bool> remove(const std::string& job_id) = 0;
  virtual Result<JobTableStats> stats() = 0;
  // Where each job stands, in the order given.
  virtual Result<std::vector<QueueState>> states(const std::vector<std::string>& job_ids) = 0;
};

// Named leases with fencing tokens: one holder at a time across processes and nodes (the
// jobs reconciler; scheduled tasks).
class LeaseRepository {
 public:
  virtual ~LeaseRepository() = default;
  // Takes or renews `name` for holder until now + ttl when it is free, expired or the
  // holder's already; returns the fencing token (it grows with each new holder), or nullopt
  // when someone else holds it.
  virtual Result<std::optional<std::int64_t>> acquire(const std::string& name,
                                                      const std::string& holder,
                                                      std::int64_t now_ms, std::int64_t ttl_ms) = 0;
  virtual Result<void> release(const std::string& name, const std::string& holder) = 0;
};

// A scheduled task's row: its schedule, when it runs next, how its last run went.
struct ScheduledTaskRow {
  std::string name;
  std::string schedule;
  std::int64_t next_run_at_ms = 0;
  std::int64_t run_count = 0;  // the last run's number (its fencing token)
  std::optional<std::int64_t> last_started_at_ms;
  std::optional<std::int64_t> last_finished_at_ms;  // before last_started_at: running
  std::optional<bool> last_ok;
  std::optional<std::string> last_result;
  std::optional<std::string> last_holder;
};

// Scheduled tasks, each due time run once across processes and nodes.
class ScheduleRepository {
 public:
  virtual ~ScheduleRepository() = default;
  // Makes the task's row when missing; a changed schedule replaces the stored one and its next
  // run time. Returns the row.
  virtual Result<ScheduledTaskRow> ensure(const std::string& name, const std::string& schedule,
                                          std::int64_t next_run_at_ms) = 0;
  // Claims the run due at `due_ms` (the row's next_run_at): moves next_run_at to `next_ms`,
  // counts the run and records its start. The run's number, or nullopt when another process
  // claimed that due time first.
  virtual Result<std::optional<std::int64_t>> claim(const std::string& name, std::int64_t due_ms,
                                                    std::int64_t next_ms, std::int64_t now_ms,
                                                    const std::string& holder) = 0;
  // Records how run number `run` ended; nothing when a newer run has started since.
  virtual Result<void> finish(const std::string& name, std::int64_t run, std::int64_t now_ms,
                              bool ok, const std::string& result) = 0;
  virtual Result<std::vector<ScheduledTaskRow>> list() = 0;
};

}  // namespace ov::storage
