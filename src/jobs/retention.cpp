// Lifecycle::delete_expired_files: the retention of uploads. The file goes first, then the
// record: a crash between the two leaves a record of a file that is kept but gone, which the
// next run records (deleting a missing file is fine); the other order could leave a file on
// disk that nothing points at any more.
#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "files/file_store.hpp"
#include "jobs/lifecycle.hpp"
#include "storage/database.hpp"

namespace ov::jobs {

Result<int> Lifecycle::delete_expired_files(std::int64_t ended_before_ms, bool annotated, int batch,
                                            int max_images) {
  auto& repo = db_.jobs();
  int done = 0;
  while (done < max_images) {
    auto expired = repo.expired_images(ended_before_ms, annotated, batch);
    if (!expired) return expired.error();
    for (const auto& image : expired.value()) {
      if (!annotated && image.original && image.annotated) {
        // The annotated image stays: drawn now if it never was, while the original is here.
        if (auto owned = repo.image(image.image_id)) {
          auto drawn = ensure_annotated(owned->image);
          if (!drawn && drawn.error().code == Errc::unavailable) return drawn.error();
          if (!drawn) {
            spdlog::warn("retention: image {}: {}", image.image_id, drawn.error().message);
          }
        }
      }
      for (const auto& key : {image.original, annotated ? image.annotated : std::nullopt}) {
        if (!key) continue;
        if (auto removed = files_.remove(*key); !removed) {
          // Kept (and tried again next run) rather than recorded as deleted.
          spdlog::warn("retention: {}", removed.error().message);
          return removed.error();
        }
      }
      if (auto marked = repo.mark_files_deleted(image.image_id, annotated, now_ms()); !marked) {
        return marked.error();
      }
      ++done;
    }
    if (static_cast<int>(expired.value().size()) < batch) break;
  }
  return done;
}

}  // namespace ov::jobs
