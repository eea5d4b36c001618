#include "inference/tile_batches.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "inference/postprocess.hpp"
#include "inference/preprocess.hpp"

namespace ov::inference {
namespace {

using Clock = std::chrono::steady_clock;

Result<std::vector<std::vector<Tensor>>> infer_batch(const Model& model, std::span<const float> in,
                                                     std::size_t count, const TileRun& run) {
  if (count > 1) return model.infer_many(in, static_cast<std::int64_t>(count));
  auto one = run.ticket && *run.ticket ? model.infer(in, std::move(**run.ticket)) : model.infer(in);
  if (!one) return one.error();
  std::vector<std::vector<Tensor>> out;
  out.push_back(std::move(one.value()));
  return out;
}

// The input tensor. One image's worth is kept per thread and reused (a 640x640 model takes
// 4.9 MB: a fresh one costs its page faults and zeroing on every call); a larger batch (tiles)
// gets its own, freed after.
class InputTensor {
 public:
  explicit InputTensor(std::size_t floats, std::size_t image_floats) {
    if (floats > image_floats) {
      own_.resize(floats);
      data_ = own_.data();
      return;
    }
    thread_local std::vector<float> kept;
    if (kept.size() < floats) {
      kept.clear();
      kept.shrink_to_fit();
      kept.resize(floats);
    }
    data_ = kept.data();
  }
  float* data() const { return data_; }

 private:
  std::vector<float> own_;
  float* data_ = nullptr;
};

}  // namespace

Result<void> check_deadline(const std::optional<Clock::time_point>& deadline,
                            const std::string& what) {
  if (deadline && Clock::now() >= *deadline) {
    return Error{Errc::timeout, fmt::format("timed out: the job's time limit passed {}", what)};
  }
  return {};
}

Result<std::vector<Candidate>> detect_regions(const Model& model, const cv::Mat& image,
                                              const std::vector<Region>& regions,
                                              const TileRun& run) {
  const ModelSpec& spec = model.spec();
  const std::size_t per = model.image_floats();
  const std::size_t batch = std::max<std::size_t>(1, run.batch);
  const InputTensor input(per * std::min(batch, regions.size()), per);
  std::vector<Letterbox> boxes(std::min(batch, regions.size()));
  std::vector<Candidate> all;
  for (std::size_t first = 0; first < regions.size(); first += batch) {
    if (run.checkpoint) {
      if (auto go_on = run.checkpoint(first, regions.size()); !go_on) return go_on.error();
    }
    const std::size_t count = std::min(batch, regions.size() - first);
    for (std::size_t i = 0; i < count; ++i) {
      const Region& r = regions[first + i];
      const cv::Mat view = image(cv::Rect(r.x, r.y, r.width, r.height));
      boxes[i] = preprocess(view, spec.input_w, spec.input_h, spec.norm, input.data() + i * per);
    }
    const auto t0 = Clock::now();
    auto outputs = infer_batch(model, std::span(input.data(), count * per), count, run);
    if (run.inference_ms) {
      *run.inference_ms += std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }
    if (!outputs) return outputs.error();
    for (std::size_t i = 0; i < count; ++i) {
      const Region& r = regions[first + i];
      for (Candidate c : decode_outputs(spec, outputs.value()[i], run.decode)) {
        c.box = unletterbox(c.box, boxes[i], r.width, r.height);
        const auto x = static_cast<float>(r.x), y = static_cast<float>(r.y);
        c.box = BBox{c.box.x1 + x, c.box.y1 + y, c.box.x2 + x, c.box.y2 + y};
        all.push_back(c);
      }
    }
  }
  return all;
}

}  // namespace ov::inference
