#include "inference/pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <opencv2/core.hpp>
#include <optional>

#include "inference/draw.hpp"
#include "inference/image_decode.hpp"
#include "inference/postprocess.hpp"
#include "inference/preprocess.hpp"
#include "inference/tiling.hpp"

namespace ov::inference {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

Error invalid(std::string message) {
  return Error{Errc::invalid_argument, std::move(message)};
}

struct Params {
  float confidence, iou;
  int max_det;
  std::vector<std::uint8_t> allowed;
};

Result<Params> resolve(const Model& model, const EngineSettings& s, const DetectOptions& o) {
  Params p{o.confidence.value_or(s.confidence),
           o.iou.value_or(s.iou),
           o.max_detections.value_or(s.max_detections),
           {}};
  if (!(p.confidence >= 0 && p.confidence <= 1)) return invalid("confidence must be in [0, 1]");
  if (!(p.iou >= 0 && p.iou <= 1)) return invalid("iou must be in [0, 1]");
  if (p.max_det < 1 || p.max_det > 10000) return invalid("max_det must be in [1, 10000]");
  const auto& t = o.tile;
  if (t.width < 0 || t.height < 0 || (t.width > 0) != (t.height > 0)) {
    return invalid("tile needs a positive width and height");
  }
  if (t.width > 0 && (t.width < 32 || t.height < 32)) return invalid("tiles under 32 px");
  if (!(t.overlap >= 0 && t.overlap <= 0.9f)) return invalid("tile overlap must be in [0, 0.9]");
  auto allowed = class_filter(model.spec().labels, o.classes);
  if (!allowed) return allowed.error();
  p.allowed = std::move(allowed.value());
  return p;
}

}  // namespace

Result<std::vector<std::uint8_t>> class_filter(const std::vector<std::string>& labels,
                                               const std::vector<std::string>& wanted) {
  std::vector<std::uint8_t> allowed;
  if (wanted.empty()) return allowed;
  allowed.assign(labels.size(), 0);
  for (const auto& w : wanted) {
    const std::string key = lower(w);
    bool found = false;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (lower(labels[i]) == key) {
        allowed[i] = 1;
        found = true;
      }
    }
    if (!found && !key.empty() && std::all_of(key.begin(), key.end(), ::isdigit)) {
      const std::size_t id = std::stoul(key);
      if (id < labels.size()) {
        allowed[id] = 1;
        found = true;
      }
    }
    if (!found) return invalid(fmt::format("unknown class '{}' for this model", w));
  }
  return allowed;
}

Result<DetectionResult> run_pipeline(const Model& model, const EngineSettings& settings,
                                     std::span<const std::uint8_t> encoded,
                                     const DetectOptions& options) {
  const auto t0 = Clock::now();
  std::optional<Batcher::Ticket> ticket;  // concurrent callers can batch with this one
  if (options.tile.width <= 0) ticket.emplace(model.announce());
  auto params = resolve(model, settings, options);
  if (!params) return params.error();
  auto decoded = decode_image(encoded, settings.max_pixels);
  if (!decoded) return decoded.error();
  cv::Mat& image = decoded.value();
  const ModelSpec& spec = model.spec();

  const auto regions = make_tiles(image.cols, image.rows, options.tile);
  const std::size_t per = model.image_floats();
  std::vector<float> input(per * regions.size());
  std::vector<Letterbox> boxes;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const Region& r = regions[i];
    const cv::Mat view = image(cv::Rect(r.x, r.y, r.width, r.height));
    boxes.push_back(
        preprocess(view, spec.input_w, spec.input_h, spec.norm, input.data() + i * per));
  }
  const auto t_infer = Clock::now();
  std::vector<std::vector<Tensor>> outputs;
  if (regions.size() == 1) {
    auto one = ticket ? model.infer(input, std::move(*ticket)) : model.infer(input);
    if (!one) return one.error();
    outputs.push_back(std::move(one.value()));
  } else {
    auto many = model.infer_many(input, static_cast<std::int64_t>(regions.size()));
    if (!many) return many.error();
    outputs = std::move(many.value());
  }
  DetectionResult result;
  result.inference_ms = ms_since(t_infer);

  const DecodeParams decode{params->confidence, params->allowed};
  std::vector<Candidate> all;
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const Region& r = regions[i];
    for (Candidate c : decode_outputs(spec, outputs[i], decode)) {
      c.box = unletterbox(c.box, boxes[i], r.width, r.height);
      c.box = BBox{c.box.x1 + r.x, c.box.y1 + r.y, c.box.x2 + r.x, c.box.y2 + r.y};
      all.push_back(c);
    }
  }
  constexpr std::size_t kMaxNms = 30000;  // Ultralytics' cap on boxes into NMS
  if (all.size() > kMaxNms) {
    std::partial_sort(all.begin(), all.begin() + kMaxNms, all.end(),
                      [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    all.resize(kMaxNms);
  }
  const auto kept = nms(std::move(all), params->iou, options.class_agnostic_nms,
                        static_cast<std::size_t>(params->max_det));

  result.model = model.info().name;
  result.width = image.cols;
  result.height = image.rows;
  const float w = static_cast<float>(image.cols), h = static_cast<float>(image.rows);
  for (const Candidate& c : kept) {
    Detection d;
    d.class_id = c.class_id;
    d.label = spec.labels[c.class_id];
    d.confidence = c.score;
    d.box = c.box;
    d.normalized = BBox{c.box.x1 / w, c.box.y1 / h, c.box.x2 / w, c.box.y2 / h};
    result.detections.push_back(std::move(d));
  }
  if (options.annotate) {
    draw_detections(image, result.detections);
    auto bytes = encode_image(image, *options.annotate, options.annotate_quality);
    if (!bytes) return bytes.error();
    result.annotated = std::move(bytes.value());
  }
  result.total_ms = ms_since(t0);
  return result;
}

}  // namespace ov::inference
