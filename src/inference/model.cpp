#include "inference/model.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <optional>
#include <sstream>

#include "obs/metrics.hpp"

namespace ov::inference {

std::size_t Model::image_floats() const {
  return static_cast<std::size_t>(3) * spec_.input_w * spec_.input_h;
}

Result<std::unique_ptr<Model>> Model::load(std::shared_ptr<Runtime> runtime,
                                           const ModelEntry& entry,
                                           const EngineSettings& settings) {
  auto fail = [&](const Error& e) {
    return Error{e.code, fmt::format("model '{}' ({}): {}", entry.name, entry.path, e.message)};
  };
  std::string config;
  if (!entry.config_path.empty()) {
    std::ifstream in(entry.config_path);
    std::stringstream text;
    text << in.rdbuf();
    config = text.str();
    boost::system::error_code ec;
    auto parsed = boost::json::parse(config, ec);
    if (ec || !parsed.is_object()) {
      return fail(
          Error{Errc::invalid_argument, fmt::format("{} is not a JSON object", entry.config_path)});
    }
  }
  const bool adaptive = settings.adaptive_threads && runtime->cores().total() > 1;
  auto session =
      Session::open(runtime, entry.path,
                    SessionOptions{settings.intra_threads, settings.allow_spinning, settings.nice});
  if (!session) return fail(session.error());
  auto spec = inspect_model(**session, config);
  if (!spec) return fail(spec.error());

  std::unique_ptr<Model> model(new Model());
  if (adaptive) {
    auto narrow = Session::open(runtime, entry.path,
                                SessionOptions{1, settings.allow_spinning, settings.nice});
    if (!narrow) return fail(narrow.error());
    model->narrow_ = std::move(narrow.value());
  }
  model->runtime_ = std::move(runtime);
  model->session_ = std::move(session.value());
  model->spec_ = std::move(spec.value());
  model->info_ = ModelInfo{entry.name,
                           entry.version,
                           entry.path,
                           model->spec_.family,
                           model->spec_.input_w,
                           model->spec_.input_h,
                           model->spec_.dynamic_batch,
                           false,
                           model->spec_.labels,
                           model->spec_.stride};
  const int max_batch = model->spec_.dynamic_batch ? settings.batch_max_size : 1;
  const Model* self = model.get();
  model->batcher_ = std::make_unique<Batcher>(
      [self](std::span<const float> data, std::int64_t count) { return self->run(data, count); },
      model->image_floats(), max_batch, std::chrono::microseconds(settings.batch_max_wait_us));
  if (settings.warm_up) {
    std::vector<float> zeros(model->image_floats(), 0.0f);
    auto warm = model->run(zeros, 1);
    if (!warm) return fail(warm.error());
  }
  return model;
}

namespace {
thread_local int t_uncounted = 0;  // UncountedScopes alive on this thread

// Runs by the cores the budget lent them: every one (alone) or one (overlapping others).
void count_run(bool all_cores) {
  static auto& runs = obs::metrics().counter(
      "objectvision_inference_runs_total",
      "Model runs by the cores they ran on: all (a run alone, on the session with every "
      "intra-op thread) or one (runs that overlapped, one core each; INFERENCE_ADAPTIVE_THREADS).",
      {"cores"});
  static auto& all = runs.with({"all"});
  static auto& one = runs.with({"one"});
  (all_cores ? all : one).add();
}
}  // namespace

Model::UncountedScope::UncountedScope() {
  ++t_uncounted;
}

Model::UncountedScope::~UncountedScope() {
  --t_uncounted;
}

void Model::start_counting() {
  metrics_ = ModelMetrics::of(info_.name);
}

// Without a single-threaded session: the one session, however many run. With it: the cores
// the runtime's budget grants (the wait for them is not compute time). A warm-up runs the
// single-threaded session on this thread, and the wide one too when it is granted every core
// (the first runs of a session on a thread are slow).
Result<std::vector<Tensor>> Model::run(std::span<const float> data, std::int64_t count) const {
  const std::int64_t shape[4] = {count, 3, spec_.input_h, spec_.input_w};
  std::optional<CoreBudget::Lease> lease;
  if (narrow_) lease.emplace(runtime_->cores().acquire());
  const bool wide = !lease || lease->all();
  if (narrow_ && t_uncounted > 0 && wide) {
    if (auto warm = narrow_->run(data, shape); !warm) return warm;
  }
  const auto started = std::chrono::steady_clock::now();
  auto outputs = (wide ? session_ : narrow_)->run(data, shape);
  if (metrics_.compute != nullptr && t_uncounted == 0) {
    metrics_.compute->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    metrics_.executions->add();
    metrics_.inferences->add(static_cast<double>(count));
    metrics_.batch_size->observe(static_cast<double>(count));
    if (lease) count_run(wide);
  }
  if (!outputs) return outputs;
  for (const auto& t : outputs.value()) {
    if (t.shape.empty() || t.shape[0] != count) {
      return Error{Errc::internal,
                   fmt::format("model '{}' returned a batch of {} for {} images", info_.name,
                               t.shape.empty() ? 0 : t.shape[0], count)};
    }
  }
  return outputs;
}

// A warm-up (an UncountedScope on this thread) runs the session itself, never in a batch with
// requests: it is meant to warm this thread's use of the session, and a shared batch, run
// by whichever caller leads it, would count the warm-up or hide a request's run.
Result<std::vector<Tensor>> Model::infer(std::span<const float> image) const {
  if (t_uncounted > 0) return run(image, 1);
  std::chrono::steady_clock::duration waited{};
  auto outputs = batcher_->submit(image, &waited);
  if (metrics_.queue != nullptr) {
    metrics_.queue->observe(std::chrono::duration<double>(waited).count());
  }
  return outputs;
}

Result<std::vector<Tensor>> Model::infer(std::span<const float> image,
                                         Batcher::Ticket ticket) const {
  if (t_uncounted > 0) return run(image, 1);  // the ticket's announcement is withdrawn
  std::chrono::steady_clock::duration waited{};
  auto outputs = batcher_->submit(image, std::move(ticket), &waited);
  if (metrics_.queue != nullptr) {
    metrics_.queue->observe(std::chrono::duration<double>(waited).count());
  }
  return outputs;
}

Result<std::vector<std::vector<Tensor>>> Model::infer_many(std::span<const float> images,
                                                           std::int64_t count) const {
  std::vector<std::vector<Tensor>> out;
  const std::size_t per = image_floats();
  if (spec_.dynamic_batch && count > 1) {
    auto outputs = run(images, count);
    if (!outputs) return outputs.error();
    for (std::int64_t i = 0; i < count; ++i) out.push_back(slice_batch(outputs.value(), i));
    return out;
  }
  for (std::int64_t i = 0; i < count; ++i) {
    auto outputs = infer(images.subspan(i * per, per));
    if (!outputs) return outputs.error();
    out.push_back(std::move(outputs.value()));
  }
  return out;
}

}  // namespace ov::inference
