#pragma once
// Reading job rows and writing placeholder lists, for the SqlJobRepository files (internal).
#include <cstddef>
#include <optional>
#include <string>

#include "core/job.hpp"
#include "storage/sql/connection.hpp"
#include "storage/sql/dialect.hpp"

namespace ov::storage::sql {

// The columns read_job reads, qualified with "d.".
std::string job_columns(const Dialect& d);
Job read_job(const Row& row);

// The columns read_image reads, qualified with "i."; a query may add its own after them.
std::string image_columns(const Dialect& d);
inline constexpr std::size_t kImageColumnCount = 15;
JobImage read_image(const Row& row);

inline constexpr const char* kObjectColumns =
    "r.id, r.detection_id, r.image_id, r.object_class, r.class_id, r.confidence, r.bbox_x, "
    "r.bbox_y, r.bbox_width, r.bbox_height";
FoundObject read_object(const Row& row);

// "$first, $first+1, ..." for count placeholders.
std::string placeholders(int first, std::size_t count);

Value nullable_int(const std::optional<int>& v);

}  // namespace ov::storage::sql
