#include "jobs/params.hpp"

#include <boost/json.hpp>

#include "inference/engine.hpp"
#include "inference/options.hpp"

namespace ov::jobs {
namespace json = boost::json;

std::string to_json(const JobParams& p) {
  json::object o;
  if (p.confidence) o["confidence"] = *p.confidence;
  if (p.iou) o["iou"] = *p.iou;
  if (!p.classes.empty()) {
    json::array classes;
    for (const auto& c : p.classes) classes.emplace_back(json::string(c));
    o["classes"] = std::move(classes);
  }
  if (p.max_detections) o["max_detections"] = *p.max_detections;
  if (!p.model.empty()) o["model"] = p.model;
  o["annotate"] = p.annotate;
  if (p.tile_width > 0) {
    o["tile"] = json::object{
        {"width", p.tile_width}, {"height", p.tile_height}, {"overlap", p.tile_overlap}};
  }
  if (!p.notify) o["notify"] = false;  // absent: true (jobs stored before it existed too)
  return json::serialize(o);
}

Result<JobParams> params_from_json(const std::string& text) {
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return Error{Errc::invalid_argument, "bad job parameters"};
  const auto& o = v.as_object();
  JobParams p;
  auto number = [](const json::value& x) {
    return x.is_double() ? x.as_double() : static_cast<double>(x.to_number<double>());
  };
  try {
    if (auto* x = o.if_contains("confidence")) p.confidence = number(*x);
    if (auto* x = o.if_contains("iou")) p.iou = number(*x);
    if (auto* x = o.if_contains("classes")) {
      for (const auto& c : x->as_array()) p.classes.emplace_back(c.as_string());
    }
    if (auto* x = o.if_contains("max_detections"))
      p.max_detections = static_cast<int>(x->to_number<std::int64_t>());
    if (auto* x = o.if_contains("model")) p.model = std::string(x->as_string());
    if (auto* x = o.if_contains("annotate")) p.annotate = x->as_bool();
    if (auto* x = o.if_contains("notify")) p.notify = x->as_bool();
    if (auto* x = o.if_contains("tile")) {
      const auto& t = x->as_object();
      p.tile_width = static_cast<int>(t.at("width").to_number<std::int64_t>());
      p.tile_height = static_cast<int>(t.at("height").to_number<std::int64_t>());
      p.tile_overlap = number(t.at("overlap"));
    }
  } catch (const std::exception&) {
    return Error{Errc::invalid_argument, "bad job parameters"};
  }
  return p;
}

inference::DetectOptions detect_options(const JobParams& p) {
  inference::DetectOptions d;
  d.model = p.model;
  if (p.confidence) d.confidence = static_cast<float>(*p.confidence);
  if (p.iou) d.iou = static_cast<float>(*p.iou);
  if (p.max_detections) d.max_detections = *p.max_detections;
  d.classes = p.classes;
  d.tile.width = p.tile_width;
  d.tile.height = p.tile_height;
  d.tile.overlap = static_cast<float>(p.tile_overlap);
  return d;
}

std::string annotated_extension(const JobParams& params, const std::string& content_type) {
  if (!params.annotate) return {};
  if (content_type == "image/png") return "png";
  if (content_type == "image/webp") return "webp";
  return "jpg";
}

std::vector<ParamProblem> check_params(const JobParams& params, const inference::Engine& engine) {
  std::vector<ParamProblem> problems;
  const auto model = engine.find_model(params.model);
  if (model == nullptr) {
    problems.push_back({"model", "Unknown model: " + params.model});
    return problems;
  }
  if (auto p = inference::check_options(detect_options(params), model->labels)) {
    problems.push_back({p->field, p->message});
  }
  return problems;
}

}  // namespace ov::jobs
