#include "inference/model_spec.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

namespace ov::inference {
namespace json = boost::json;

std::vector<std::string> parse_python_names(const std::string& text) {
  std::vector<std::pair<long, std::string>> items;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t digit = text.find_first_of("0123456789", pos);
    if (digit == std::string::npos) break;
    std::size_t end = text.find_first_not_of("0123456789", digit);
    long id = std::stol(text.substr(digit, end - digit));
    std::size_t colon = text.find_first_not_of(" \t", end);
    if (colon == std::string::npos || text[colon] != ':') break;
    std::size_t quote = text.find_first_of("'\"", colon);
    if (quote == std::string::npos) break;
    std::string name;
    std::size_t i = quote + 1;
    for (; i < text.size() && text[i] != text[quote]; ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) ++i;
      name += text[i];
    }
    items.emplace_back(id, name);
    pos = i + 1;
  }
  std::vector<std::string> names;
  for (auto& [id, name] : items) {
    if (id < 0 || id > 100000) return {};
    if (static_cast<std::size_t>(id) >= names.size()) names.resize(id + 1);
    names[id] = name;
  }
  return names;
}

namespace {

// Configuration keys merged from metadata (JSON-encoded values, or plain strings) and config.
json::object merged_config(const Session& session, const std::string& config_json) {
  json::object merged;
  for (const auto& [key, value] : session.metadata()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(value, ec);
    if (key == "names" && (ec || !parsed.is_array())) {
      json::array list;
      for (auto& n : parse_python_names(value)) list.emplace_back(n);
      merged["names"] = std::move(list);
    } else {
      merged[key] = ec ? json::value(value) : parsed;
    }
  }
  if (!config_json.empty()) {
    json::value config = json::parse(config_json);  // validated by the caller
    for (const auto& [key, value] : config.as_object()) merged[key] = value;
  }
  return merged;
}

std::vector<double> numbers(const json::value* v) {
  std::vector<double> out;
  if (v == nullptr) return out;
  if (v->is_number()) out.push_back(v->to_number<double>());
  if (v->is_array()) {
    for (const auto& x : v->as_array()) {
      if (x.is_number()) out.push_back(x.to_number<double>());
    }
  }
  if (v->is_string()) {  // "[640, 640]" or "32"
    boost::system::error_code ec;
    auto parsed = json::parse(v->as_string(), ec);
    if (!ec) return numbers(&parsed);
  }
  return out;
}

std::string text(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

Result<void> yolo_outputs(const Session& s, ModelSpec& spec, const std::string& family) {
  const auto& out = s.outputs()[0].shape;
  if (out.size() != 3) {
    return Error{Errc::unsupported,
                 fmt::format("output '{}' has shape {}: a detection model has one [batch, a, b] "
                             "output",
                             s.outputs()[0].name, shape_text(out))};
  }
  const std::int64_t a = out[1], b = out[2];
  const auto nc = static_cast<std::int64_t>(spec.labels.size());
  if (family == "yolov8" || family == "yolo11") {
    spec.family = Family::yolov8;
  } else if (family == "yolov5") {
    spec.family = Family::yolov5;
  } else if (nc > 0 && a == 4 + nc) {
    spec.family = Family::yolov8;
  } else if (nc > 0 && b == 5 + nc) {
    spec.family = Family::yolov5;
  } else if (nc == 0 && a > 4 && b > 4) {
    spec.family = a < b ? Family::yolov8 : Family::yolov5;
  } else {
    return Error{Errc::unsupported,
                 fmt::format("cannot tell the model family from output shape {} with {} class "
                             "names: expected YOLOv8/YOLO11 [1, 4+nc, N] or YOLOv5 [1, N, 5+nc]",
                             shape_text(out), nc)};
  }
  const std::int64_t classes = spec.family == Family::yolov8 ? a - 4 : b - 5;
  if (classes <= 0) {
    return Error{Errc::unsupported, fmt::format("output shape {} leaves no class scores for {}",
                                                shape_text(out), to_string(spec.family))};
  }
  if (nc > 0 && nc != classes) {
    return Error{Errc::unsupported, fmt::format("{} class names but output shape {} has {} classes",
                                                nc, shape_text(out), classes)};
  }
  if (nc == 0) {
    for (std::int64_t i = 0; i < classes; ++i) spec.labels.push_back(fmt::format("class{}", i));
  }
  return {};
}

Result<void> nanodet_outputs(const Session& s, ModelSpec& spec, const json::object& cfg) {
  auto strides = numbers(cfg.if_contains("strides"));
  if (strides.empty()) strides = {8, 16, 32};
  if (auto rm = numbers(cfg.if_contains("reg_max")); !rm.empty()) spec.reg_max = int(rm[0]);
  const int bins = 4 * (spec.reg_max + 1);
  const auto nc = static_cast<std::int64_t>(spec.labels.size());
  for (double st : strides) {
    NanoDetOutput level;
    level.stride = static_cast<int>(st);
    level.grid_w = (spec.input_w + level.stride - 1) / level.stride;
    level.cells =
        static_cast<long>(level.grid_w) * ((spec.input_h + level.stride - 1) / level.stride);
    level.scores = level.distances = -1;
    for (std::size_t i = 0; i < s.outputs().size(); ++i) {
      const auto& shape = s.outputs()[i].shape;
      if (shape.size() != 3 || shape[1] != level.cells) continue;
      if (shape[2] == bins)
        level.distances = static_cast<int>(i);
      else if (nc == 0 || shape[2] == nc)
        level.scores = static_cast<int>(i);
    }
    if (level.scores < 0 || level.distances < 0) {
      return Error{Errc::unsupported,
                   fmt::format("NanoDet: no [1, {}, nc] scores and [1, {}, {}] distances outputs "
                               "for stride {}",
                               level.cells, level.cells, bins, level.stride)};
    }
    spec.levels.push_back(level);
  }
  if (nc == 0) {
    const auto classes = s.outputs()[spec.levels[0].scores].shape[2];
    for (std::int64_t i = 0; i < classes; ++i) spec.labels.push_back(fmt::format("class{}", i));
  }
  spec.family = Family::nanodet;
  return {};
}

void normalisation(ModelSpec& spec, const json::object& cfg) {
  if (spec.family == Family::nanodet) {  // NanoDet's own: BGR, its mean / std, black letterbox
    spec.norm = Normalization{false, {103.53f, 116.28f, 123.675f}, {57.375f, 57.12f, 58.395f}, 0};
  }
  const std::string color = text(cfg, "color");
  if (color == "rgb") spec.norm.rgb = true;
  if (color == "bgr") spec.norm.rgb = false;
  auto mean = numbers(cfg.if_contains("mean"));
  auto std = numbers(cfg.if_contains("std"));
  for (int c = 0; c < 3; ++c) {
    if (mean.size() == 3) spec.norm.mean[c] = static_cast<float>(mean[c]);
    if (std.size() == 3 && std[c] != 0) spec.norm.std[c] = static_cast<float>(std[c]);
  }
  if (auto pad = numbers(cfg.if_contains("pad_value")); !pad.empty()) {
    spec.norm.pad_value = static_cast<float>(pad[0]);
  }
}

// Ultralytics' `stride` (the largest, e.g. 32): the input's sides must be multiples of it, or
// the grid the boxes are decoded on does not match the image the model saw.
Result<void> stride_of(const json::object& cfg, ModelSpec& spec) {
  auto stride = numbers(cfg.if_contains("stride"));
  if (stride.empty()) return {};
  const double s = *std::max_element(stride.begin(), stride.end());
  if (!(s >= 1 && s <= 1024) || s != static_cast<int>(s)) {
    return Error{Errc::unsupported, fmt::format("stride {} is not a stride (1..1024)", s)};
  }
  spec.stride = static_cast<int>(s);
  if (spec.input_w % spec.stride != 0 || spec.input_h % spec.stride != 0) {
    return Error{Errc::unsupported,
                 fmt::format("the input {}x{} is not a multiple of the model's stride {}: export "
                             "it with an imgsz that is",
                             spec.input_w, spec.input_h, spec.stride)};
  }
  return {};
}

}  // namespace

Result<ModelSpec> inspect_model(const Session& session, const std::string& config_json) {
  json::object cfg;
  try {
    cfg = merged_config(session, config_json);
  } catch (const std::exception& e) {
    return Error{Errc::invalid_argument, fmt::format("bad config.json: {}", e.what())};
  }
  if (auto task = text(cfg, "task"); !task.empty() && task != "detect") {
    return Error{Errc::unsupported,
                 fmt::format("task '{}' is not served: only detection models are", task)};
  }
  if (session.inputs().size() != 1) {
    return Error{Errc::unsupported, fmt::format("the model has {} inputs; one image input is "
                                                "expected",
                                                session.inputs().size())};
  }
  const IoInfo& in = session.inputs()[0];
  if (!in.is_float || in.shape.size() != 4 || (in.shape[1] > 0 && in.shape[1] != 3)) {
    return Error{Errc::unsupported,
                 fmt::format("input '{}' is {} {}: expected float32 NCHW [batch, 3, H, W]", in.name,
                             in.type, shape_text(in.shape))};
  }
  if (session.outputs().empty() || !session.outputs()[0].is_float) {
    return Error{Errc::unsupported, "the model has no float32 output"};
  }
  ModelSpec spec;
  spec.dynamic_batch = in.shape[0] <= 0;
  auto imgsz = numbers(cfg.if_contains("imgsz"));
  if (imgsz.size() == 1) imgsz.push_back(imgsz[0]);
  spec.input_h = in.shape[2] > 0 ? int(in.shape[2]) : imgsz.size() == 2 ? int(imgsz[0]) : 640;
  spec.input_w = in.shape[3] > 0 ? int(in.shape[3]) : imgsz.size() == 2 ? int(imgsz[1]) : 640;
  if (const auto* names = cfg.if_contains("names"); names && names->is_array()) {
    for (const auto& n : names->as_array()) {
      spec.labels.push_back(n.is_string() ? std::string(n.as_string()) : json::serialize(n));
    }
  }
  const std::string family = text(cfg, "family");
  Result<void> outputs;
  if (family == "nanodet" || (family.empty() && session.outputs().size() >= 6)) {
    outputs = nanodet_outputs(session, spec, cfg);
  } else if (family.empty() || family == "yolov8" || family == "yolo11" || family == "yolov5") {
    outputs = yolo_outputs(session, spec, family);
  } else {
    return Error{Errc::unsupported, fmt::format("unknown model family '{}': yolov8, yolo11, "
                                                "yolov5 or nanodet",
                                                family)};
  }
  if (!outputs) return outputs.error();
  if (spec.family != Family::nanodet) {
    if (auto stride = stride_of(cfg, spec); !stride) return stride.error();
  }
  normalisation(spec, cfg);
  return spec;
}

}  // namespace ov::inference
