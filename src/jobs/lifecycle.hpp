#pragma once
// The life of a detection job, in one place. No HTTP, no JSON: the API and the worker call
// this; nothing else writes a job's status.
//
//   submit ──> queued ──start──> processing ──record_image (each image, exactly once)──┐
//     │          │                   │  └──finish──> completed | failed (every image failed)
//     │          └──cancel──> cancelled <──cancel──┘
//     │          └──fail (retries used up, timed out, bad parameters) ──> failed
//     └─ files (fsynced), then the job, its images and its queue entry in one transaction
//        (embedded: a job_queue row; scaled: an outbox row, published to Redis after commit)
//
// Every change publishes a JobEvent on the bus. A worker's writes carry the fence that start()
// handed out: once another worker has started the job (a lost lease), or the job was
// cancelled, failed or deleted, the old worker's writes are refused (Recorded::stale) and it
// stops. reconcile() repairs what a crash or a Redis outage leaves: outbox rows never
// published, unfinished jobs the queue no longer holds, dead queue entries, jobs past their
// deadline.
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/job.hpp"
#include "jobs/params.hpp"

namespace ov::storage {
class Database;
}
namespace ov::queue {
class JobQueue;
}
namespace ov::files {
class FileStore;
}
namespace ov::events {
class Bus;
}

namespace ov::jobs {

struct Settings {
  int max_in_flight_per_user = 20;     // queued + processing jobs of one user (429 beyond)
  int max_attempts = 3;                // deliveries of a job before it is dead
  int max_depth = 1000;                // waiting jobs (429 beyond)
  std::chrono::seconds timeout{600};   // from the start of processing to the end
  bool outbox = false;                 // scaled: queue entries go through the outbox
  std::function<void()> wake_workers;  // an in-process worker pool to wake after a submit
  // Called once a job has ended completed or failed, in the process that ended it, with the
  // job as it ended (status, error), after its event is published: the job-finished mail.
  std::function<void(const Job&)> on_finished;
  // reconcile(): a job updated more recently than `quiet` may be between two steps
  // (committed, not enqueued yet; claimed, not started yet) and is left alone; an outbox row
  // younger than `outbox_grace` is being published by its request.
  std::chrono::milliseconds quiet{10'000};
  std::chrono::milliseconds outbox_grace{2'000};
};

struct NewImage {
  std::string filename;
  std::string content_type;  // image/jpeg, ...
  std::string extension;     // jpg, png, webp, bmp, tiff
  std::string_view bytes;    // the upload; written to the file store by submit()
};

struct NewJob {
  std::string id;  // made by submit() when empty (a caller that needs it first makes it: new_uuid)
  std::string user_id;
  std::string name;
  JobParams params;  // checked by check_params() already
  std::vector<NewImage> images;
};

// A job a worker runs, and the fence its writes carry.
struct RunningJob {
  Job job;
  std::vector<JobImage> images;  // by position; processed ones included
  JobParams params;
  std::int64_t fence = 0;
  std::chrono::steady_clock::time_point deadline;
};

// What processing one image produced.
struct ImageWork {
  std::optional<int> width, height;
  std::vector<FoundObject> objects;
  std::optional<std::string> error;  // the image failed (it is recorded processed, with this)
  // The annotated image's file extension (jpg, png, webp) when the job asks for one, else
  // empty. Only its place is recorded: it is drawn when first asked for (ensure_annotated).
  std::string annotated_extension;
};

// What ensure_annotated found or made.
struct AnnotatedImage {
  std::optional<std::string> drawn;  // the bytes when it drew them; nullopt: stored already
  bool stored = true;                // false: drawn but not kept (a full disk or store)
};

enum class Recorded {
  saved,      // results, files and progress stored; a progress event published
  duplicate,  // the image was processed already (a retry): nothing written
  stale,      // the job is no longer this worker's (another start, cancelled, failed, deleted)
};

struct ReconcileReport {
  int published = 0;  // outbox rows pushed to the queue
  int requeued = 0;   // unfinished jobs the queue had lost
  int dead = 0;       // jobs failed because their queue entry died
  int timed_out = 0;  // jobs failed past their deadline
};

class Lifecycle {
 public:
  Lifecycle(storage::Database& db, queue::JobQueue& queue, files::FileStore& files,
            events::Bus& bus, Settings settings);

  // Errc::rate_limited (in-flight limit or a full queue), no_space (the disk), unavailable.
  Result<Job> submit(const NewJob& job);

  // Worker side. nullopt: nothing to do (cancelled, finished, deleted). A job whose stored
  // parameters cannot be read is failed here (nullopt too).
  Result<std::optional<RunningJob>> start(const std::string& job_id);
  // The image's objects, size and annotated file's key, exactly once; `run` learns that the
  // image is processed.
  Result<Recorded> record_image(RunningJob& run, const JobImage& image, ImageWork work);
  // completed, or failed when every image failed. False when the job was not this worker's.
  Result<bool> finish(const RunningJob& run);
  // Failed for good (retries used up, a timeout, unreadable parameters): false when it was
  // final already or is gone.
  Result<bool> fail(const std::string& job_id, const std::string& error);

  // API side. A queued or processing job -> cancelled (the images done are kept); its queue
  // entry goes. Returns the status it had; a final status is returned unchanged.
  Result<JobStatus> cancel(const Job& job);
  // A final job and everything of it: rows, files, queue entry (job.deleted).
  Result<void> remove(const Job& job);

  Result<ReconcileReport> reconcile();

  // The annotated image of a processed image (annotated.cpp): derived data, drawn from the
  // original and the image's recorded objects the first time it is asked for — never on the
  // path of a job's answer — then kept in the file store. not_found: the image has none (not
  // asked for, failed, not processed yet), its original is gone, or it was deleted meanwhile
  // (nothing is left behind); unavailable: the store. Readers of one image at once in this
  // process share one drawing: the first draws, the others wait for its outcome.
  Result<AnnotatedImage> ensure_annotated(const JobImage& image);

  // Retention: deletes the originals (and, with `annotated`, the annotated images) of jobs that
  // ended before `ended_before_ms`, `batch` images at a time, at most `max_images` per call;
  // results stay, the image routes answer 410 for a deleted file. An annotated image that is
  // kept but was never drawn is drawn before its original goes. Returns the images done.
  Result<int> delete_expired_files(std::int64_t ended_before_ms, bool annotated, int batch = 200,
                                   int max_images = 5000);

  const Settings& settings() const { return settings_; }
  // Called with each event before it goes on the bus, on the thread that made the change (this
  // process's caches forget at once what the change made stale). Set it before any use.
  void set_observer(std::function<void(const JobEvent&)> observer) {
    observer_ = std::move(observer);
  }

 private:
  void publish(JobEventKind kind, const Job& job, JobStatus status, int done,
               std::optional<std::string> image_id = std::nullopt,
               std::optional<std::string> error = std::nullopt);
  Result<AnnotatedImage> draw_annotated(const JobImage& image);  // ensure_annotated's work

  storage::Database& db_;
  queue::JobQueue& queue_;
  files::FileStore& files_;
  events::Bus& bus_;
  Settings settings_;
  std::function<void(const JobEvent&)> observer_;
  std::mutex drawing_mu_;  // the annotated images being drawn in this process, by key
  std::map<std::string, std::shared_future<Result<AnnotatedImage>>> drawing_;
};

}  // namespace ov::jobs
