// Lifecycle::ensure_annotated: the annotated image is derived data. A job that asks for one
// records where it goes; it is drawn from the original and the image's recorded objects the
// first time someone asks for it (an image route, or the retention task before the original
// goes), then kept in the file store. No job's answer ever waits for it, and a job whose
// annotated image nobody reads never pays for it.
#include <spdlog/spdlog.h>

#include "files/file_store.hpp"
#include "inference/annotate.hpp"
#include "jobs/lifecycle.hpp"
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
    if (o.image_id != image.id) continue;
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

}  // namespace

Result<AnnotatedImage> Lifecycle::ensure_annotated(const JobImage& image) {
  if (!image.annotated_path || !image.processed || image.error) {
    return Error{Errc::not_found, "No annotated image for this image"};
  }
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
  const auto objects = drawn_objects(db_.jobs().objects(image.job_id), image);
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
