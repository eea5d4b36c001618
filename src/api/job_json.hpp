#pragma once
// The JSON of a detection job (docs/api.md, "Detection") and of history items.
#include <boost/json/object.hpp>

#include "storage/detections.hpp"

namespace ov::api {

boost::json::object job_json(const storage::Detection& detection,
                             const std::vector<storage::DetectionImage>& images,
                             const std::vector<storage::DetectionResult>& results);
boost::json::object history_item_json(const storage::HistoryItem& item);

}  // namespace ov::api
