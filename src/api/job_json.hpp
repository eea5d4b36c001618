#pragma once
// The JSON of a detection job (docs/api.md, "Detection") and of history items.
#include <boost/json/object.hpp>

#include "storage/jobs.hpp"

namespace ov::api {

boost::json::object job_json(const Job& detection, const std::vector<JobImage>& images,
                             const std::vector<FoundObject>& results);
boost::json::object history_item_json(const storage::HistoryItem& item);

}  // namespace ov::api
