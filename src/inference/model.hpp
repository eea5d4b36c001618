#pragma once
// A loaded model: its sessions, what it is, and the batcher in front of it. With adaptive
// threads (EngineSettings::adaptive_threads) it has two sessions: one with every intra-op
// thread, taken by a run that finds the cores free, and a single-threaded one that runs which
// overlap share, a core each (the runtime's CoreBudget decides).
#include <memory>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "inference/batcher.hpp"
#include "inference/model_metrics.hpp"
#include "inference/model_repository.hpp"
#include "inference/model_spec.hpp"
#include "inference/session.hpp"
#include "inference/settings.hpp"
#include "inference/types.hpp"

namespace ov::inference {

class Model {
 public:
  // Opens, inspects and warms up; the error says which model and why.
  static Result<std::unique_ptr<Model>> load(std::shared_ptr<Runtime> runtime,
                                             const ModelEntry& entry,
                                             const EngineSettings& settings);

  const ModelInfo& info() const { return info_; }
  const ModelSpec& spec() const { return spec_; }
  const ModelMetrics& metrics() const { return metrics_; }
  // Its metrics count from now on (the engine calls it once the model is warmed up).
  void start_counting();
  // While one lives, the runs this thread makes (of any model) are not counted: warm-ups.
  struct UncountedScope {
    UncountedScope();
    ~UncountedScope();
    UncountedScope(const UncountedScope&) = delete;
    UncountedScope& operator=(const UncountedScope&) = delete;
  };
  std::size_t image_floats() const;

  // Tells the batcher a caller is on its way (call before decoding the image).
  Batcher::Ticket announce() const { return batcher_->announce(); }
  // One image through the batcher; outputs with batch dimension 1.
  Result<std::vector<Tensor>> infer(std::span<const float> image) const;
  Result<std::vector<Tensor>> infer(std::span<const float> image, Batcher::Ticket ticket) const;
  // Several images (back to back): one run when the batch is dynamic, else one run each.
  Result<std::vector<std::vector<Tensor>>> infer_many(std::span<const float> images,
                                                      std::int64_t count) const;

 private:
  Result<std::vector<Tensor>> run(std::span<const float> data, std::int64_t count) const;

  ModelInfo info_;
  ModelSpec spec_;
  std::shared_ptr<Runtime> runtime_;
  std::unique_ptr<Session> session_;  // every intra-op thread
  std::unique_ptr<Session> narrow_;   // one thread; null without adaptive threads
  std::unique_ptr<Batcher> batcher_;
  ModelMetrics metrics_{};  // set by start_counting (warm-up runs are not counted)
};

}  // namespace ov::inference
