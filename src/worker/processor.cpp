#include "worker/processor.hpp"

#include <algorithm>
#include <span>
#include <thread>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "files/file_store.hpp"
#include "inference/engine.hpp"
#include "jobs/lifecycle.hpp"
#include "obs/trace.hpp"
#include "worker/early_runs.hpp"

namespace ov::worker {
namespace {

jobs::ImageWork work_of(const inference::DetectionResult& result, std::string annotated_extension) {
  jobs::ImageWork work;
  work.width = result.width;
  work.height = result.height;
  for (const auto& d : result.detections) {
    FoundObject o;
    o.label = d.label;
    o.class_id = d.class_id;
    o.confidence = d.confidence;
    o.x = d.box.x1;
    o.y = d.box.y1;
    o.width = d.box.width();
    o.height = d.box.height();
    work.objects.push_back(std::move(o));
  }
  work.annotated_extension = std::move(annotated_extension);  // drawn when first asked for
  return work;
}

// Sleeps for `pause` in short steps; false as soon as keep_going() turns false.
bool pause_unless_stopped(std::chrono::milliseconds pause,
                          const std::function<bool()>& keep_going) {
  constexpr std::chrono::milliseconds step{100};
  for (auto left = pause; left.count() > 0; left -= step) {
    if (!keep_going()) return false;
    std::this_thread::sleep_for(std::min(left, step));
  }
  return keep_going();
}

// The object store (or the database) cannot be reached: the job waits for it with its lease
// kept (the worker pool renews it meanwhile), asking again after a pause that grows from 0.5 s
// to 5 s, while the lease holds and the job's deadline is ahead. An outage of the store thus
// spends no attempt; when it outlasts the wait, the job goes back to the queue as before.
template <class Attempt>
auto once_reachable(const Attempt& attempt, const std::function<bool()>& keep_going,
                    std::chrono::steady_clock::time_point deadline) {
  auto result = attempt();
  std::chrono::milliseconds pause{500};
  while (!result && result.error().code == Errc::unavailable) {
    if (std::chrono::steady_clock::now() + pause >= deadline) break;
    if (!pause_unless_stopped(pause, keep_going)) break;
    result = attempt();
    pause = std::min(pause * 2, std::chrono::milliseconds{5000});
  }
  return result;
}

}  // namespace

JobProcessor::JobProcessor(jobs::Lifecycle& lifecycle, const inference::Engine& engine,
                           const files::FileStore& files)
    : lifecycle_(lifecycle), engine_(engine), files_(files) {}

ProcessResult JobProcessor::process(const std::string& id,
                                    const std::function<bool()>& keep_going) {
  try {
    const auto claimed_at = std::chrono::system_clock::now();
    auto started = lifecycle_.start(id);
    if (!started) return {Outcome::retry, started.error().message};
    if (!started.value()) return {};  // cancelled, finished or deleted meanwhile
    jobs::RunningJob& run = *started.value();
    // The job continues the trace of the request that submitted it: its wait in the queue, then
    // its run, with every database call, file and inference under it.
    const auto submitter = obs::parse_traceparent(run.job.trace_parent, run.job.trace_state);
    if (submitter) {
      const std::chrono::system_clock::time_point submitted{
          std::chrono::milliseconds(run.job.created_at_ms)};
      obs::Span queued = obs::Span::start("job.queued", obs::SpanKind::internal, &*submitter,
                                          std::min(submitted, claimed_at));
      queued.set("objectvision.job.id", id);
      queued.end(claimed_at);
    }
    obs::Span job_span = obs::Span::start("job.run", obs::SpanKind::consumer,
                                          submitter ? &*submitter : nullptr, claimed_at);
    obs::SpanScope in_job(job_span);
    job_span.set("objectvision.job.id", id);
    job_span.set("objectvision.job.images", static_cast<std::int64_t>(run.images.size()));
    job_span.set("objectvision.job.fence", run.fence);
    // A model this process does not serve: unloaded here, or not loaded yet (a change made on
    // another node reaches this worker a moment later). The job goes back to the queue for a
    // later attempt or another worker; after JOB_MAX_ATTEMPTS it fails with this reason.
    if (engine_.find_model(run.params.model) == nullptr) {
      job_span.fail("model not loaded");
      return {Outcome::retry,
              fmt::format("unknown model '{}': not loaded on this worker", run.params.model)};
    }
    auto options = jobs::detect_options(run.params);
    options.deadline = run.deadline;  // the engine also stops between tiles once it passes
    options.stop = [&keep_going] { return !keep_going(); };
    const std::vector<JobImage> images = run.images;
    for (const auto& img : images) {
      if (img.processed) continue;
      if (!keep_going()) return {Outcome::retry, "lease lost or job cancelled"};
      if (std::chrono::steady_clock::now() >= run.deadline) {
        job_span.fail("Job timed out");
        (void)lifecycle_.fail(id, "Job timed out");
        return {};
      }
      obs::ScopedSpan image_span("job.image");
      image_span->set("objectvision.image.id", img.id);
      image_span->set("objectvision.image.position", img.position);
      jobs::ImageWork work;
      // Started by the request before the job was queued (EarlyRuns): its result, once it has
      // one; a failed early run is run again here.
      std::optional<Result<inference::DetectionResult>> early;
      if (early_runs_ != nullptr) {
        if (auto started = early_runs_->take(id, img.position)) {
          early = started->get();
          image_span->set("objectvision.image.early", true);
          if (!early->ok()) early.reset();
        }
      }
      Result<std::string> bytes = std::string();
      if (!early) {
        bytes = once_reachable([&] { return files_.read(img.original_path); }, keep_going,
                               run.deadline);
      }
      if (!bytes && bytes.error().code == Errc::unavailable) {
        // Still down: the job waits in the queue (a later attempt), nothing fails.
        return {Outcome::retry, bytes.error().message};
      }
      if (!bytes) {
        work.error = "The uploaded file is missing";
      } else {
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes->data());
        auto result =
            early ? std::move(*early) : engine_.detect(std::span(data, bytes->size()), options);
        if (result) {
          work = work_of(result.value(), jobs::annotated_extension(run.params, img.content_type));
        } else if (result.error().code == Errc::timeout) {
          // The image stopped half-way: it fails with the reason, and so does the job.
          work.error = result.error().message;
          image_span->fail(*work.error);
          job_span.fail("Job timed out");
          (void)lifecycle_.record_image(run, img, std::move(work));
          (void)lifecycle_.fail(id, "Job timed out");
          return {};
        } else if (result.error().code == Errc::conflict) {
          return {Outcome::retry, result.error().message};  // cancelled or taken over
        } else {
          work.error = result.error().message;
        }
      }
      if (work.error) image_span->fail(*work.error);
      image_span->set("objectvision.image.objects", static_cast<std::int64_t>(work.objects.size()));
      auto recorded = once_reachable([&] { return lifecycle_.record_image(run, img, work); },
                                     keep_going, run.deadline);
      if (!recorded) return {Outcome::retry, recorded.error().message};
      if (recorded.value() == jobs::Recorded::stale) return {};  // not this worker's any more
    }
    auto finished = lifecycle_.finish(run);
    if (!finished) return {Outcome::retry, finished.error().message};
    return {};
  } catch (const std::exception& e) {
    spdlog::error("job {}: {}", id, e.what());
    return {Outcome::retry, e.what()};
  }
}

}  // namespace ov::worker
