#include "api/job_json.hpp"

#include <algorithm>
#include <unordered_map>

#include <boost/json.hpp>

#include "core/ids.hpp"

namespace ov::api {
namespace json = boost::json;

namespace {

json::value timestamp(const std::optional<std::int64_t>& ms) {
  return ms ? json::value(rfc3339(*ms)) : json::value(nullptr);
}

json::value text(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

json::object box(double x1, double y1, double x2, double y2) {
  return json::object{{"x1", x1}, {"y1", y1},         {"x2", x2},
                      {"y2", y2}, {"width", x2 - x1}, {"height", y2 - y1}};
}

json::object object_json(const FoundObject& r, int width, int height) {
  double x2 = r.x + r.width, y2 = r.y + r.height;
  double w = width > 0 ? width : 1, h = height > 0 ? height : 1;
  return json::object{{"class", r.label},
                      {"class_id", r.class_id},
                      {"confidence", r.confidence},
                      {"bbox", box(r.x, r.y, x2, y2)},
                      {"bbox_normalized", box(r.x / w, r.y / h, x2 / w, y2 / h)}};
}

json::object progress(const Job& d) {
  return json::object{{"done", d.processed_count}, {"total", d.image_count}};
}

// The fields a job and a history item share.
json::object summary(const Job& d) {
  return json::object{{"job_id", d.id},
                      {"detection_id", d.id},
                      {"name", d.name},
                      {"status", std::string(to_string(d.status))},
                      {"progress", progress(d)},
                      {"created_at", rfc3339(d.created_at_ms)},
                      {"finished_at", timestamp(d.finished_at_ms)}};
}

}  // namespace

json::object job_json(const Job& d, const std::vector<JobImage>& images,
                      const std::vector<FoundObject>& results) {
  std::unordered_map<std::string, std::vector<const FoundObject*>> by_image;
  for (const auto& r : results) by_image[r.image_id].push_back(&r);
  json::array image_list;
  for (const auto& img : images) {
    json::array dets;
    auto& mine = by_image[img.id];
    std::stable_sort(mine.begin(), mine.end(),
                     [](auto* a, auto* b) { return a->confidence > b->confidence; });
    for (const auto* r : mine)
      dets.emplace_back(object_json(*r, img.width.value_or(0), img.height.value_or(0)));
    std::string base = "/api/v1/detect/images/" + img.id;
    json::object o{{"image_id", img.id},
                   {"filename", img.filename},
                   {"width", img.width ? json::value(*img.width) : json::value(nullptr)},
                   {"height", img.height ? json::value(*img.height) : json::value(nullptr)},
                   {"status", !img.processed ? "pending" : (img.error ? "failed" : "completed")},
                   {"error", text(img.error)},
                   {"original_url", base + "/original"},
                   {"annotated_url", base + "/annotated"},  // 404 until there is one
                   {"detections", std::move(dets)}};
    image_list.emplace_back(std::move(o));
  }
  json::value params;
  json::error_code ec;
  params = json::parse(d.params_json, ec);
  if (ec) params = json::object{};
  json::value duration = nullptr;
  if (d.started_at_ms && d.finished_at_ms) {
    duration = static_cast<double>(*d.finished_at_ms - *d.started_at_ms);
  }
  json::object out = summary(d);
  out["started_at"] = timestamp(d.started_at_ms);
  out["duration_ms"] = duration;
  out["error"] = text(d.error);
  out["params"] = std::move(params);
  out["images"] = std::move(image_list);
  return out;
}

json::object history_item_json(const storage::HistoryItem& item) {
  const auto& d = item.job;
  json::object counts;
  for (const auto& [cls, n] : item.counts) counts[cls] = n;
  json::object out = summary(d);
  out["image_count"] = d.image_count;
  out["object_count"] = item.object_count;
  out["counts"] = std::move(counts);
  return out;
}

}  // namespace ov::api
