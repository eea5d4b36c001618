// Lifecycle::ensure_annotated: the annotated image is derived data. A job that asks for one
// records where it goes; it is drawn from the original and the image's recorded objects the
// first time someone asks for it (an image route, or the retention task before the original
// goes), then kept in the file store. No job's answer ever waits for it, and a job whose
// annotated image nobody reads never pays for it. Readers of one image at once in this process
// share one drawing (on several nodes each may draw: the bytes are the same, and a write is whole
// or nothing).
#include <spdlog/spdlog.h>

#include <exception>
#include <future>
#include <map>
#include <mutex>

#include "files/file_store.hpp"
#include "inference/annotate.hpp"
#include "jobs/lifecycle.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"
#include "storage/database.hpp"

namespace ov::jobs {
namespace {

inference::ImageFormat format_of(const std::string& key) {
  const auto type = files::FileStore::content_type(key);
  if (type == "image/png") return inference::ImageFormat::png;
  if (type == "image/webp") return inference::ImageFormat::webp;
  return inference::ImageFormat::jpeg;
}

std::vector<inference::DetectedObject> drawn_objects(const std::vector<FoundObject>& objects,
                                                     const JobImage& image) {
  std::vector<inference::DetectedObject> out;
  const float w = static_cast<float>(image.width.value_or(1));
  const float h = static_cast<float>(image.height.value_or(1));
  for (const auto& o : objects) {  // by confidence, highest first: drawn last, on top
    inference::DetectedObject d;
    d.class_id = o.class_id;
    d.label = o.label;
    d.confidence = static_cast<float>(o.confidence);
    d.box = {static_cast<float>(o.x), static_cast<float>(o.y), static_cast<float>(o.x + o.width),
             static_cast<float>(o.y + o.height)};
    d.normalized = {d.box.x1 / w, d.box.y1 / h, d.box.x2 / w, d.box.y2 / h};
    out.push_back(std::move(d));
  }
  return out;
}

void count(const char* outcome) {
  static auto& drawn = obs::metrics().counter(
      "objectvision_annotated_images_total",
      "Annotated images drawn when first asked for: drawn (and kept), unkept (drawn, the store "
      "full), joined (a reader that waited for the drawing another reader of this process had "
      "started).",
      {"outcome"});
  drawn.with({outcome}).add();
}

// One reader's drawing, in the map while it lasts: it answers those who joined it with its
// outcome (or its exception) and leaves the map however it ends.
class Drawing {
 public:
  using Map = std::map<std::string, std::shared_future<Result<AnnotatedImage>>>;
  Drawing(std::mutex& mu, Map& map, std::string key, std::promise<Result<AnnotatedImage>> promise)
      : mu_(mu), map_(map), key_(std::move(key)), promise_(std::move(promise)) {}
  Drawing(const Drawing&) = delete;
  Drawing& operator=(const Drawing&) = delete;
  ~Drawing() {
    std::lock_guard lock(mu_);
    map_.erase(key_);
  }
  void answer(const Result<AnnotatedImage>& result) { promise_.set_value(result); }
  void fail(std::exception_ptr error) { promise_.set_exception(std::move(error)); }

 private:
  std::mutex& mu_;
  Map& map_;
  std::string key_;
  std::promise<Result<AnnotatedImage>> promise_;
};

}  // namespace

Result<AnnotatedImage> Lifecycle::ensure_annotated(const JobImage& image) {
  if (!image.annotated_path || !image.processed || image.error) {
    return Error{Errc::not_found, "No annotated image for this image"};
  }
  const std::string& key = *image.annotated_path;
  std::promise<Result<AnnotatedImage>> promise;
  std::shared_future<Result<AnnotatedImage>> under_way;
  {
    std::lock_guard lock(drawing_mu_);
    auto it = drawing_.find(key);
    if (it != drawing_.end()) {
      under_way = it->second;
    } else {
      drawing_.emplace(key, promise.get_future().share());
    }
  }
  if (under_way.valid()) {
    count("joined");
    return under_way.get();  // a copy of the first reader's outcome; its exception, rethrown
  }
  Drawing drawing(drawing_mu_, drawing_, key, std::move(promise));
  try {
    auto result = draw_annotated(image);
    if (result && result->drawn) count(result->stored ? "drawn" : "unkept");
    drawing.answer(result);
    return result;
  } catch (...) {
    drawing.fail(std::current_exception());  // out of memory: those who joined learn it too
    throw;
  }
}

Result<AnnotatedImage> Lifecycle::draw_annotated(const JobImage& image) {
  const std::string& key = *image.annotated_path;
  auto there = files_.exists(key);
  if (!there) return there.error();
  if (there.value()) return AnnotatedImage{};

  obs::ScopedSpan span("image.annotate");
  span->set("objectvision.image.id", image.id);
  auto original = files_.read(image.original_path);
  if (!original) {
    if (original.error().code != Errc::not_found) return original.error();
    return Error{Errc::not_found, "The annotated image cannot be drawn: the original is gone"};
  }
  const auto objects = drawn_objects(db_.jobs().image_objects(image.id), image);
  const auto* data = reinterpret_cast<const std::uint8_t*>(original->data());
  auto drawn =
      inference::annotate_image(std::span(data, original->size()), objects, format_of(key));
  if (!drawn) {
    span->fail(drawn.error().message);
    return drawn.error();
  }
  std::string bytes(drawn->begin(), drawn->end());
  if (auto written = files_.write(key, bytes); !written) {
    if (written.error().code == Errc::unavailable) return written.error();
    // A full disk or store: the image is still answered, drawn again next time.
    spdlog::warn("job {}: image {}: the annotated image is not kept: {}", image.job_id, image.id,
                 written.error().message);
    return AnnotatedImage{std::move(bytes), false};
  }
  // Deleted while it was drawn: the delete removed the files it knew of, and this one must not
  // stay behind either.
  if (!db_.jobs().image(image.id)) {
    (void)files_.remove(key);
    return Error{Errc::not_found, "The image was deleted"};
  }
  return AnnotatedImage{std::move(bytes), true};
}

}  // namespace ov::jobs
