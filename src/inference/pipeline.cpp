#include "inference/pipeline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <new>
#include <optional>
#include <string>

#include <opencv2/core.hpp>

#include "inference/draw.hpp"
#include "inference/image_decode.hpp"
#include "inference/memory_budget.hpp"
#include "inference/options.hpp"
#include "inference/tile_batches.hpp"
#include "inference/tiling.hpp"
#include "obs/trace.hpp"

namespace ov::inference {
namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
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
  if (auto problem = check_options(o, model.spec().labels)) {
    return invalid(problem->field + ": " + problem->message);
  }
  Params p{o.confidence.value_or(s.confidence),
           o.iou.value_or(s.iou),
           o.max_detections.value_or(s.max_detections),
           {}};
  auto allowed = class_filter(model.spec().labels, o.classes);
  if (!allowed) return allowed.error();
  p.allowed = std::move(allowed.value());
  return p;
}

Error stopped(const std::string& where) {
  return Error{Errc::conflict, "stopped " + where + ": the job was cancelled or taken over"};
}

Error out_of_memory(const std::string& stage) {
  return Error{Errc::unavailable, fmt::format("out of memory while {}", stage)};
}

Error too_many_tiles(std::int64_t tiles, const cv::Mat& image, const TileOptions& t, int limit) {
  return invalid(
      fmt::format("too many tiles: {}x{} tiles with overlap {} make {} tiles of the "
                  "{}x{} image, at most {} are allowed (MAX_TILES)",
                  t.width, t.height, t.overlap, tiles, image.cols, image.rows, limit));
}

// The size of the image as sent, upright, for an image decoded reduced: the header's, turned a
// quarter when the decoded image is (its EXIF orientation said so).
cv::Size full_size(const ImageHeader& header, const cv::Mat& decoded) {
  const int w = static_cast<int>(header.width), h = static_cast<int>(header.height);
  const double aspect = static_cast<double>(decoded.cols) / decoded.rows;
  const double upright = std::abs(static_cast<double>(w) / h - aspect);
  const double turned = std::abs(static_cast<double>(h) / w - aspect);
  return turned < upright ? cv::Size(h, w) : cv::Size(w, h);
}

// The pipeline; `stage` says what it is doing, for the out-of-memory error.
Result<DetectionResult> detect(const Model& model, const EngineSettings& settings,
                               std::span<const std::uint8_t> encoded, const DetectOptions& options,
                               std::string& stage) {
  const auto t0 = Clock::now();
  std::optional<Batcher::Ticket> ticket;  // concurrent callers can batch with this one
  if (options.tile.width <= 0) ticket.emplace(model.announce());
  auto params = resolve(model, settings, options);
  if (!params) return params.error();
  auto header = check_image(encoded, settings.max_pixels);
  if (!header) return header.error();
  const std::size_t batch = static_cast<std::size_t>(std::max(1, settings.batch_max_size));
  const std::int64_t batch_floats = static_cast<std::int64_t>(batch * model.image_floats());
  auto fits = check_memory(header.value(), image_memory_bytes(header.value(), batch_floats),
                           available_memory_bytes());
  if (!fits) return fits.error();
  if (auto t = check_deadline(options.deadline, "before the image was decoded"); !t) {
    return t.error();
  }
  if (options.stop && options.stop()) return stopped("before the image was decoded");

  stage = fmt::format("decoding the {}x{} {} image", header->width, header->height,
                      to_string(header->format));
  std::optional<obs::ScopedSpan> span;
  span.emplace("image.decode");
  (*span)->set("objectvision.image.width", header->width);
  (*span)->set("objectvision.image.height", header->height);
  // A photo at least twice the model's input is decoded at 1/2, 1/4 or 1/8 of its size by the
  // JPEG decoder itself, unless it is to be annotated or tiled (those need every pixel).
  const ModelSpec& spec = model.spec();
  const int reduction = !settings.reduced_decode || options.annotate || options.tile.width > 0
                            ? 1
                            : decode_reduction(header.value(), spec.input_w, spec.input_h);
  (*span)->set("objectvision.image.reduction", static_cast<std::int64_t>(reduction));
  auto decoded = decode_checked(encoded, header.value(), settings.max_pixels, reduction);
  if (!decoded) return decoded.error();
  span.reset();
  cv::Mat& image = decoded.value();
  const cv::Size full = reduction == 1 ? image.size() : full_size(header.value(), image);

  const auto tiles = count_tiles(image.cols, image.rows, options.tile);
  if (tiles > settings.max_tiles) {
    return too_many_tiles(tiles, image, options.tile, settings.max_tiles);
  }
  stage = fmt::format("detecting objects in {} tile(s) of the {}x{} image", tiles, image.cols,
                      image.rows);
  DetectionResult result;
  const auto regions = make_tiles(image.cols, image.rows, options.tile);
  auto checkpoint = [&options](std::size_t done, std::size_t total) -> Result<void> {
    std::string where = total == 1 ? std::string("before inference")
                                   : fmt::format("after {} of {} tiles", done, total);
    if (options.stop && options.stop()) return stopped(where);
    return check_deadline(options.deadline, where);
  };
  TileRun run{batch, DecodeParams{params->confidence, params->allowed}, checkpoint, &ticket,
              &result.inference_ms};
  span.emplace("inference");
  (*span)->set("objectvision.tiles", static_cast<std::int64_t>(regions.size()));
  auto found = detect_regions(model, image, regions, run);
  if (!found) return found.error();
  span.reset();
  std::vector<Candidate>& all = found.value();
  constexpr std::size_t kMaxNms = 30000;  // Ultralytics' cap on boxes into NMS
  if (all.size() > kMaxNms) {
    std::partial_sort(all.begin(), all.begin() + kMaxNms, all.end(),
                      [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
    all.resize(kMaxNms);
  }
  const auto kept = nms(std::move(all), params->iou, options.class_agnostic_nms,
                        static_cast<std::size_t>(params->max_det));

  result.model = model.info().name;
  result.width = full.width;
  result.height = full.height;
  const float w = static_cast<float>(full.width), h = static_cast<float>(full.height);
  const float sx = w / static_cast<float>(image.cols), sy = h / static_cast<float>(image.rows);
  for (const Candidate& c : kept) {
    DetectedObject d;
    d.class_id = c.class_id;
    d.label = spec.labels[c.class_id];
    d.confidence = c.score;
    d.box = reduction == 1 ? c.box
                           : BBox{std::min(c.box.x1 * sx, w), std::min(c.box.y1 * sy, h),
                                  std::min(c.box.x2 * sx, w), std::min(c.box.y2 * sy, h)};
    d.normalized = BBox{d.box.x1 / w, d.box.y1 / h, d.box.x2 / w, d.box.y2 / h};
    result.detections.push_back(std::move(d));
  }
  if (options.annotate) {
    stage = fmt::format("annotating the {}x{} image", image.cols, image.rows);
    obs::ScopedSpan annotating("image.annotate");
    draw_detections(image, result.detections);
    auto bytes = encode_image(image, *options.annotate, options.annotate_quality);
    if (!bytes) return bytes.error();
    result.annotated = std::move(bytes.value());
  }
  result.total_ms = ms_since(t0);
  return result;
}

}  // namespace

Result<DetectionResult> run_pipeline(const Model& model, const EngineSettings& settings,
                                     std::span<const std::uint8_t> encoded,
                                     const DetectOptions& options) {
  std::string stage = "reading the image header";
  try {
    return detect(model, settings, encoded, options, stage);
  } catch (const std::bad_alloc&) {
    return out_of_memory(stage);
  } catch (const cv::Exception& e) {
    if (e.code == cv::Error::StsNoMem) return out_of_memory(stage);
    return Error{Errc::internal, fmt::format("detection failed while {}: {}", stage, e.err)};
  }
}

Result<void> warm_up_pipeline(const Model& model, const EngineSettings& settings) {
  if (!settings.warm_up || settings.warm_up_runs <= 0) return {};
  // Smooth gradients with noise: decodes and detects like a photo (not a flat, trivial image).
  cv::Mat image(model.spec().input_h, model.spec().input_w, CV_8UC3);
  cv::randu(image, cv::Scalar::all(0), cv::Scalar::all(64));
  for (int y = 0; y < image.rows; ++y) {
    auto* row = image.ptr<cv::Vec3b>(y);
    for (int x = 0; x < image.cols; ++x) {
      row[x] += cv::Vec3b(static_cast<std::uint8_t>(x * 191 / image.cols),
                          static_cast<std::uint8_t>(y * 191 / image.rows), 96);
    }
  }
  auto jpeg = encode_image(image, ImageFormat::jpeg, 90);
  if (!jpeg) return jpeg.error();
  Model::UncountedScope uncounted;  // not detections anyone asked for
  for (int i = 0; i < settings.warm_up_runs; ++i) {
    auto result = run_pipeline(model, settings, jpeg.value(), DetectOptions{});
    if (!result) {
      return Error{result.error().code, "warming up: " + result.error().message};
    }
  }
  return {};
}

}  // namespace ov::inference
