#include "inference/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "inference/engine.hpp"
#include "inference/render.hpp"

namespace ov::inference {
namespace {

namespace fs = std::filesystem;

struct DetectArgs {
  std::string model;
  std::optional<float> conf, iou;
  std::optional<int> max_det, threads;
  std::vector<std::string> classes;
  std::string tile;
  float overlap = 0.2f;
  bool agnostic = false;
  std::string annotate_dir;
  std::string annotate_format = "jpeg";
  std::string format = "json";
  std::vector<std::string> images;
};

[[noreturn]] void fail(const std::string& message, int code = 1) {
  std::cerr << "objectvision: " << message << "\n";
  throw CLI::RuntimeError(code);
}

std::unique_ptr<Engine> load_engine(EngineSettings settings, const std::string& model,
                                    std::optional<int> threads) {
  if (!model.empty() && (model.ends_with(".onnx") || fs::is_regular_file(model))) {
    settings.model_path = model;
  }
  if (threads) settings.intra_threads = *threads;
  settings.batch_max_size = 1;  // one caller: nothing to gather
  auto engine = Engine::load(settings);
  if (!engine) fail(engine.error().message);
  return std::move(engine.value());
}

TileOptions parse_tile(const std::string& text, float overlap) {
  TileOptions tile;
  tile.overlap = overlap;
  if (text.empty()) return tile;
  int w = 0, h = 0;
  char x = 0;
  std::istringstream in(text);
  if (!(in >> w >> x >> h) || (x != 'x' && x != 'X') || w <= 0 || h <= 0) {
    fail(fmt::format("--tile expects WxH, e.g. 640x640, not '{}'", text), 2);
  }
  tile.width = w;
  tile.height = h;
  return tile;
}

std::vector<std::uint8_t> read_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read the file";
    return {};
  }
  return std::vector<std::uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void run_detect(const EngineSettings& base, const DetectArgs& a) {
  OutputFormat format = OutputFormat::json;
  if (a.format == "coco")
    format = OutputFormat::coco;
  else if (a.format == "deepstack")
    format = OutputFormat::deepstack;
  else if (a.format != "json")
    fail("--format is json, coco or deepstack", 2);
  auto annotate_format = image_format_from_string(a.annotate_format);
  if (!annotate_format) fail("--annotate-format is jpeg, png or webp", 2);

  DetectOptions options;
  const bool model_is_file = a.model.ends_with(".onnx") || fs::is_regular_file(a.model);
  if (!model_is_file) options.model = a.model;
  options.confidence = a.conf;
  options.iou = a.iou;
  options.max_detections = a.max_det;
  options.classes = a.classes;
  options.class_agnostic_nms = a.agnostic;
  options.tile = parse_tile(a.tile, a.overlap);
  if (!a.annotate_dir.empty()) {
    options.annotate = annotate_format;
    std::error_code ec;
    fs::create_directories(a.annotate_dir, ec);
    if (ec) fail(fmt::format("cannot create {}: {}", a.annotate_dir, ec.message()));
  }
  auto engine = load_engine(base, a.model, a.threads);

  std::vector<ImageDetections> results;
  std::vector<std::string> errors;
  for (const auto& path : a.images) {
    std::string error;
    auto bytes = read_file(path, error);
    if (error.empty()) {
      auto result = engine->detect(bytes, options);
      if (result) {
        if (options.annotate) {
          const fs::path out =
              fs::path(a.annotate_dir) /
              (fs::path(path).stem().string() + "." +
               (*annotate_format == ImageFormat::jpeg ? "jpg" : a.annotate_format));
          std::ofstream file(out, std::ios::binary);
          file.write(reinterpret_cast<const char*>(result->annotated.data()),
                     static_cast<std::streamsize>(result->annotated.size()));
          if (!file) error = fmt::format("cannot write {}", out.string());
        }
        results.push_back(ImageDetections{path, std::move(result.value())});
      } else {
        error = result.error().message;
      }
    }
    if (!error.empty()) errors.push_back(fmt::format("{}: {}", path, error));
  }
  std::cout << render(results, format) << std::endl;
  for (const auto& e : errors) std::cerr << "objectvision: " << e << "\n";
  if (!errors.empty()) throw CLI::RuntimeError(1);
}

void run_models(const EngineSettings& base, const std::string& model) {
  auto engine = load_engine(base, model, std::nullopt);
  const auto models = engine->models();
  std::cout << render_models(models) << std::endl;
}

}  // namespace

void add_cli_commands(CLI::App& app, const EngineSettings& settings) {
  auto args = std::make_shared<DetectArgs>();
  CLI::App* detect = app.add_subcommand("detect", "Detect objects in images; prints JSON");
  detect->add_option("--model", args->model, "A model name in the model directory, or an .onnx");
  detect->add_option("--conf", args->conf, "Confidence threshold (0..1)");
  detect->add_option("--iou", args->iou, "IoU threshold of NMS (0..1)");
  detect->add_option("--classes", args->classes, "Keep only these classes (names or ids)")
      ->delimiter(',');
  detect->add_option("--max-det", args->max_det, "Most detections per image");
  detect->add_flag("--agnostic", args->agnostic, "Class-agnostic NMS");
  detect->add_option("--tile", args->tile, "Tiled inference with WxH tiles (e.g. 640x640)");
  detect->add_option("--overlap", args->overlap, "Tile overlap (0..0.9)")->capture_default_str();
  detect->add_option("--annotate", args->annotate_dir, "Write annotated images into this folder");
  detect->add_option("--annotate-format", args->annotate_format, "jpeg, png or webp")
      ->capture_default_str();
  detect->add_option("--format", args->format, "json, coco or deepstack")->capture_default_str();
  detect->add_option("--threads", args->threads, "ONNX Runtime intra-op threads");
  detect->add_option("images", args->images, "Image files")->required();
  detect->callback([&settings, args] { run_detect(settings, *args); });

  auto model = std::make_shared<std::string>();
  CLI::App* models = app.add_subcommand("models", "List the models with their labels");
  models->add_option("--model", *model, "Show this .onnx file instead of the model directory");
  models->callback([&settings, model] { run_models(settings, *model); });
}

}  // namespace ov::inference
