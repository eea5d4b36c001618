#include "inference/render.hpp"

#include <cmath>

#include "inference/json_writer.hpp"

namespace ov::inference {
namespace {

double round_to(double v, double scale) {
  return std::round(v * scale) / scale;
}

void box_json(JsonWriter& w, const BBox& b, double scale) {
  w.begin_object();
  w.key("x1").value(round_to(b.x1, scale)).key("y1").value(round_to(b.y1, scale));
  w.key("x2").value(round_to(b.x2, scale)).key("y2").value(round_to(b.y2, scale));
  w.key("width").value(round_to(b.width(), scale));
  w.key("height").value(round_to(b.height(), scale));
  w.end_object();
}

void image_json(JsonWriter& w, const ImageDetections& image) {
  const DetectionResult& r = image.result;
  w.begin_object();
  w.key("image").value(image.image);
  w.key("width").value(r.width).key("height").value(r.height);
  w.key("model").value(r.model);
  w.key("inference_ms").value(round_to(r.inference_ms, 1e2));
  w.key("detections").begin_array();
  for (const auto& d : r.detections) {
    w.begin_object();
    w.key("class").value(d.label).key("class_id").value(d.class_id);
    w.key("confidence").value(round_to(d.confidence, 1e4));
    w.key("bbox");
    box_json(w, d.box, 1e2);
    w.key("bbox_normalized");
    box_json(w, d.normalized, 1e6);
    w.end_object();
  }
  w.end_array();
  w.end_object();
}

// COCO: the dataset layout (images, annotations, categories) with a score per annotation;
// bbox is [x, y, width, height] in pixels; category ids are the model's class ids.
void coco_json(JsonWriter& w, std::span<const ImageDetections> images) {
  std::vector<std::string> seen;
  w.begin_object().key("images").begin_array();
  for (std::size_t i = 0; i < images.size(); ++i) {
    const auto& r = images[i].result;
    w.begin_object().key("id").value(i + 1).key("file_name").value(images[i].image);
    w.key("width").value(r.width).key("height").value(r.height).end_object();
  }
  w.end_array().key("annotations").begin_array();
  long long next_id = 1;
  for (std::size_t i = 0; i < images.size(); ++i) {
    for (const auto& d : images[i].result.detections) {
      if (static_cast<std::size_t>(d.class_id) >= seen.size()) seen.resize(d.class_id + 1);
      seen[d.class_id] = d.label;
      w.begin_object().key("id").value(next_id++).key("image_id").value(i + 1);
      w.key("category_id").value(d.class_id).key("bbox").begin_array();
      w.value(round_to(d.box.x1, 1e2)).value(round_to(d.box.y1, 1e2));
      w.value(round_to(d.box.width(), 1e2)).value(round_to(d.box.height(), 1e2)).end_array();
      w.key("area").value(round_to(d.box.width() * d.box.height(), 1e2));
      w.key("score").value(round_to(d.confidence, 1e4)).key("iscrowd").value(0).end_object();
    }
  }
  w.end_array().key("categories").begin_array();
  for (std::size_t id = 0; id < seen.size(); ++id) {
    if (!seen[id].empty())
      w.begin_object().key("id").value(id).key("name").value(seen[id]).end_object();
  }
  w.end_array().end_object();
}

void deepstack_json(JsonWriter& w, const DetectionResult& r, const std::string* image) {
  w.begin_object().key("success").value(true);
  if (image != nullptr) w.key("image").value(*image);
  w.key("predictions").begin_array();
  for (const auto& d : r.detections) {
    w.begin_object().key("label").value(d.label);
    w.key("confidence").value(round_to(d.confidence, 1e4));
    w.key("x_min").value(std::lround(d.box.x1)).key("y_min").value(std::lround(d.box.y1));
    w.key("x_max").value(std::lround(d.box.x2)).key("y_max").value(std::lround(d.box.y2));
    w.end_object();
  }
  w.end_array().key("count").value(r.detections.size());
  w.key("inferenceMs").value(std::lround(r.inference_ms));
  w.key("processMs").value(std::lround(r.total_ms));
  w.key("duration").value(0).end_object();
}

}  // namespace

std::string render_json_object(const ImageDetections& image) {
  JsonWriter w;
  image_json(w, image);
  return w.take();
}

std::string render_deepstack(const DetectionResult& result) {
  JsonWriter w;
  deepstack_json(w, result, nullptr);
  return w.take();
}

std::string render(std::span<const ImageDetections> images, OutputFormat format) {
  JsonWriter w;
  switch (format) {
    case OutputFormat::json:
      w.begin_array();
      for (const auto& image : images) image_json(w, image);
      w.end_array();
      break;
    case OutputFormat::coco:
      coco_json(w, images);
      break;
    case OutputFormat::deepstack:
      if (images.size() == 1) {
        deepstack_json(w, images[0].result, nullptr);
        break;
      }
      w.begin_array();
      for (const auto& image : images) deepstack_json(w, image.result, &image.image);
      w.end_array();
      break;
  }
  return w.take();
}

std::string render_models(std::span<const ModelInfo> models) {
  JsonWriter w;
  w.begin_array();
  for (const auto& m : models) {
    w.begin_object().key("name").value(m.name).key("version").value(m.version);
    w.key("family").value(to_string(m.family));
    w.key("input_size").begin_array().value(m.input_width).value(m.input_height).end_array();
    w.key("dynamic_batch").value(m.dynamic_batch).key("default").value(m.is_default);
    w.key("path").value(m.path).key("labels").begin_array();
    for (const auto& l : m.labels) w.value(l);
    w.end_array().end_object();
  }
  w.end_array();
  return w.take();
}

}  // namespace ov::inference
