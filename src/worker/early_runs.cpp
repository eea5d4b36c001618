#include "worker/early_runs.hpp"

#include <span>

#include "inference/engine.hpp"
#include "inference/slots.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"

namespace ov::worker {
namespace {

void count(const char* outcome) {
  static auto& runs = obs::metrics().counter(
      "objectvision_early_runs_total",
      "Detections started by a waiting request before its job was queued: started, taken by "
      "the worker that ran the job, or dropped (the job was refused, or its result not taken "
      "in time).",
      {"outcome"});
  runs.with({outcome}).add();
}

}  // namespace

EarlyRuns::EarlyRuns(const inference::Engine& engine, int lanes, int nice,
                     std::chrono::milliseconds keep, std::size_t capacity,
                     std::function<Clock::time_point()> now)
    : engine_(engine), keep_(keep), capacity_(capacity), now_(std::move(now)) {
  // No waiting places: a run starts now on an idle lane, or not at all.
  lanes_ = std::make_unique<inference::Slots>(lanes, 0, nice,
                                              [&engine] { (void)engine.warm_up_this_thread(); });
}

EarlyRuns::~EarlyRuns() {
  lanes_.reset();
}

bool EarlyRuns::start(const std::string& job_id, int position,
                      std::shared_ptr<const std::string> image, inference::DetectOptions options) {
  auto promise = std::make_shared<std::promise<Result<inference::DetectionResult>>>();
  Run run = promise->get_future().share();
  const auto key = std::make_pair(job_id, position);
  {
    std::lock_guard lock(mu_);
    drop_expired(now_());
    if (runs_.size() >= capacity_ || runs_.count(key) > 0) return false;
    runs_.emplace(key, Entry{run, now_()});
  }
  const obs::SpanContext* parent = obs::current_span();
  std::optional<obs::SpanContext> trace;
  if (parent != nullptr) trace = *parent;
  auto work = [this, promise, image = std::move(image), options = std::move(options),
               trace]() mutable {
    // In the request's trace (none: no span of its own).
    obs::Span span =
        trace ? obs::Span::start("job.early_run", obs::SpanKind::internal, &*trace) : obs::Span();
    obs::SpanScope in_span(span);
    const auto* data = reinterpret_cast<const std::uint8_t*>(image->data());
    try {
      promise->set_value(engine_.detect(std::span(data, image->size()), options));
    } catch (const std::exception& e) {
      promise->set_value(Error{Errc::internal, e.what()});
    }
  };
  if (!lanes_->try_run(std::move(work))) {
    std::lock_guard lock(mu_);
    runs_.erase(key);
    return false;
  }
  std::lock_guard lock(mu_);
  ++stats_.started;
  count("started");
  return true;
}

void EarlyRuns::forget(const std::string& job_id) {
  std::lock_guard lock(mu_);
  for (auto it = runs_.lower_bound({job_id, 0}); it != runs_.end() && it->first.first == job_id;) {
    it = runs_.erase(it);
    ++stats_.dropped;
    count("dropped");
  }
}

std::optional<EarlyRuns::Run> EarlyRuns::take(const std::string& job_id, int position) {
  std::lock_guard lock(mu_);
  auto it = runs_.find({job_id, position});
  if (it == runs_.end()) return std::nullopt;
  Run run = std::move(it->second.run);
  runs_.erase(it);
  ++stats_.taken;
  count("taken");
  return run;
}

EarlyRuns::Stats EarlyRuns::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void EarlyRuns::drop_expired(Clock::time_point now) {
  for (auto it = runs_.begin(); it != runs_.end();) {
    if (now - it->second.started >= keep_) {
      it = runs_.erase(it);
      ++stats_.dropped;
      count("dropped");
    } else {
      ++it;
    }
  }
}

}  // namespace ov::worker
