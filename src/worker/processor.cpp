#include "worker/processor.hpp"

#include <span>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "events/bus.hpp"
#include "files/file_store.hpp"
#include "inference/engine.hpp"
#include "storage/database.hpp"
#include "storage/detections.hpp"
#include "worker/job_events.hpp"
#include "worker/job_params.hpp"

namespace ov::worker {
namespace {

// Annotated images keep the upload's format family: PNG stays lossless, the rest is JPEG.
inference::ImageFormat annotated_format(const std::string& content_type) {
  if (content_type == "image/png") return inference::ImageFormat::png;
  if (content_type == "image/webp") return inference::ImageFormat::webp;
  return inference::ImageFormat::jpeg;
}

const char* extension(inference::ImageFormat f) {
  switch (f) {
    case inference::ImageFormat::png:
      return "png";
    case inference::ImageFormat::webp:
      return "webp";
    case inference::ImageFormat::jpeg:
      return "jpg";
  }
  return "jpg";
}

}  // namespace

JobProcessor::JobProcessor(storage::Database& db, const inference::Engine& engine,
                           files::FileStore& files, events::Bus& bus,
                           std::chrono::seconds job_timeout)
    : db_(db), engine_(engine), files_(files), bus_(bus), job_timeout_(job_timeout) {}

void JobProcessor::publish(const std::string& user_id, const std::string& json) {
  bus_.publish(events::Event{user_id, json});
}

ProcessResult JobProcessor::process(const std::string& id,
                                    const std::function<bool()>& keep_alive) {
  using storage::DetectionStatus;
  auto& repo = db_.detections();
  try {
    auto detection = repo.find(id);
    if (!detection || storage::is_final(detection->status)) return {};
    auto started = repo.mark_processing(id, now_ms());
    if (!started) return {Outcome::retry, started.error().message};
    if (!started.value()) return {};  // cancelled meanwhile
    const std::string& user = detection->user_id;
    auto images = repo.images(id);
    const int total = static_cast<int>(images.size());
    int done = 0;
    for (const auto& img : images) done += img.processed ? 1 : 0;
    publish(user, job_event_json({"job.started", id, "processing", done, total}));

    auto params = params_from_json(detection->params_json);
    if (!params) {
      repo.finish(id, DetectionStatus::failed, params.error().message, now_ms());
      publish(user, job_event_json({"job.failed", id, "failed", done, total, std::nullopt,
                                    params.error().message}));
      return {};
    }
    auto options = detect_options(*params);
    auto deadline = std::chrono::steady_clock::now() + job_timeout_;
    options.deadline = deadline;  // the engine also stops between tiles once it passes
    int failures = 0;
    std::string first_error;
    for (const auto& img : images) {
      if (img.processed) {
        failures += img.error ? 1 : 0;
        continue;
      }
      if (!keep_alive()) return {Outcome::retry, "lease lost"};
      auto current = repo.find(id);
      if (!current || current->status == DetectionStatus::cancelled) return {};
      if (std::chrono::steady_clock::now() > deadline) {
        repo.finish(id, DetectionStatus::failed, "Job timed out", now_ms());
        publish(user, job_event_json({"job.failed", id, "failed", done, total, std::nullopt,
                                      "Job timed out"}));
        return {};
      }

      storage::ImageOutcome outcome;
      outcome.image_id = img.id;
      auto bytes = files_.read(img.original_path);
      if (!bytes) {
        outcome.error = "The uploaded file is missing";
      } else {
        auto format = annotated_format(img.content_type);
        if (params->annotate) options.annotate = format;
        const auto* data = reinterpret_cast<const std::uint8_t*>(bytes->data());
        auto result = engine_.detect(std::span(data, bytes->size()), options);
        if (!result) {
          outcome.error = result.error().message;
        } else {
          outcome.width = result->width;
          outcome.height = result->height;
          if (!result->annotated.empty()) {
            std::string key = files::FileStore::key(id, img.id, "annotated", extension(format));
            if (auto w = files_.write(key, result->annotated); w) {
              outcome.annotated_path = key;
            } else {
              // The image fails visibly rather than completing without its annotated file.
              spdlog::error("job {}: image {}: {}", id, img.id, w.error().message);
              outcome.error = w.error().code == Errc::no_space
                                  ? "Not enough storage space for the annotated image"
                                  : "The annotated image could not be stored";
            }
          }
          for (const auto& d : result->detections) {
            if (outcome.error) break;
            storage::DetectionResult r;
            r.object_class = d.label;
            r.class_id = d.class_id;
            r.confidence = d.confidence;
            r.bbox_x = d.box.x1;
            r.bbox_y = d.box.y1;
            r.bbox_width = d.box.width();
            r.bbox_height = d.box.height();
            outcome.results.push_back(std::move(r));
          }
        }
      }
      auto saved = repo.save_image_result(outcome);
      if (!saved) return {Outcome::retry, saved.error().message};
      if (!saved.value() && !repo.find(id)) {
        // Deleted while this image was processed: the delete removed the files it knew of,
        // this one was written after; nothing must stay behind.
        files_.remove_detection(id);
        return {};
      }
      ++done;
      if (outcome.error) {
        ++failures;
        if (first_error.empty()) first_error = *outcome.error;
      }
      publish(user, job_event_json(
                        {"job.progress", id, "processing", done, total, img.id, outcome.error}));
    }
    bool failed = total > 0 && failures == total;
    auto status = failed ? DetectionStatus::failed : DetectionStatus::completed;
    std::optional<std::string> error;
    if (failed) error = first_error;
    auto finished = repo.finish(id, status, error, now_ms());
    if (!finished) return {Outcome::retry, finished.error().message};
    if (finished.value()) {
      publish(user,
              job_event_json({failed ? "job.failed" : "job.completed", id,
                              failed ? "failed" : "completed", done, total, std::nullopt, error}));
    }
    return {};
  } catch (const std::exception& e) {
    spdlog::error("job {}: {}", id, e.what());
    return {Outcome::retry, e.what()};
  }
}

}  // namespace ov::worker
