// YOLOv8 / YOLO11 and YOLOv5 decoding end to end through ONNX Runtime, with small models that
// emit planted detections (tests/data/make_test_models.py): coordinates, classes, thresholds,
// class filters, NMS modes, and batches of 1, 2 and 3.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "inference/engine.hpp"
#include "inference/letterbox.hpp"
#include "inference/model.hpp"
#include "inference/postprocess.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

using test::TempDir;

std::vector<std::uint8_t> png(int w, int h) {
  cv::Mat m(h, w, CV_8UC3, cv::Scalar(40, 80, 120));
  std::vector<std::uint8_t> out;
  cv::imencode(".png", m, out);
  return out;
}

// The planted boxes in model-input pixels (S = 320), by class: dog, car, cat.
const BBox kDog{110, 135, 210, 185}, kCat{25, 220, 55, 280};

BBox expected(const BBox& model_box, int w, int h) {
  return unletterbox(model_box, compute_letterbox(w, h, 320, 320), w, h);
}

void expect_box(const BBox& got, const BBox& want) {
  EXPECT_NEAR(got.x1, want.x1, 1e-3);
  EXPECT_NEAR(got.y1, want.y1, 1e-3);
  EXPECT_NEAR(got.x2, want.x2, 1e-3);
  EXPECT_NEAR(got.y2, want.y2, 1e-3);
}

std::vector<std::string> labels(const DetectionResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.detections) out.push_back(d.label);
  return out;
}

class PlantedModels : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() { dir_ = test::shared_test_models(); }
  std::unique_ptr<Engine> engine(EngineSettings s = {}) {
    s.model_path = (dir_ / (GetParam() + ".onnx")).string();
    auto e = Engine::load(s);
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().message);
    return e.ok() ? std::move(e.value()) : nullptr;
  }
  static std::filesystem::path dir_;
};
std::filesystem::path PlantedModels::dir_;

TEST_P(PlantedModels, FamilyLabelsAndInputAreFound) {
  auto e = engine();
  ASSERT_TRUE(e);
  const auto models = e->models();
  ASSERT_EQ(models.size(), 1u);
  EXPECT_EQ(to_string(models[0].family), GetParam().substr(0, 6));
  EXPECT_EQ(models[0].labels, (std::vector<std::string>{"cat", "dog", "car"}));
  EXPECT_EQ(models[0].input_width, 320);
  EXPECT_TRUE(models[0].dynamic_batch);
  EXPECT_TRUE(models[0].is_default);
}

TEST_P(PlantedModels, CoordinatesGoBackToEachImageSize) {
  auto e = engine();
  ASSERT_TRUE(e);
  for (auto [w, h] : {std::pair{320, 320}, {640, 320}, {200, 400}, {1000, 700}}) {
    auto r = e->detect(png(w, h), DetectOptions{});
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->width, w);
    EXPECT_EQ(r->height, h);
    ASSERT_EQ(labels(*r), (std::vector<std::string>{"dog", "car", "cat"})) << w << "x" << h;
    EXPECT_FLOAT_EQ(r->detections[0].confidence, 0.9f);
    EXPECT_EQ(r->detections[0].class_id, 1);
    expect_box(r->detections[0].box, expected(kDog, w, h));
    expect_box(r->detections[1].box, expected(kDog, w, h));
    expect_box(r->detections[2].box, expected(kCat, w, h));
    const BBox& n = r->detections[0].normalized;
    EXPECT_NEAR(n.x1, r->detections[0].box.x1 / w, 1e-6);
    EXPECT_NEAR(n.y2, r->detections[0].box.y2 / h, 1e-6);
  }
}

TEST_P(PlantedModels, ThresholdsFiltersAndNmsModes) {
  auto e = engine();
  ASSERT_TRUE(e);
  const auto image = png(640, 480);
  struct Case {
    const char* name;
    DetectOptions options;
    std::vector<std::string> want;
  };
  std::vector<Case> cases(8);
  cases[0] = {"default", {}, {"dog", "car", "cat"}};
  cases[1] = {"conf 0.5", {}, {"dog", "car"}};
  cases[1].options.confidence = 0.5f;
  cases[2] = {"conf 0.95", {}, {}};
  cases[2].options.confidence = 0.95f;
  cases[3] = {"classes by name", {}, {"dog"}};
  cases[3].options.classes = {"Dog"};
  cases[4] = {"classes by id", {}, {"car", "cat"}};
  cases[4].options.classes = {"2", "0"};
  cases[5] = {"agnostic", {}, {"dog", "cat"}};
  cases[5].options.class_agnostic_nms = true;
  cases[6] = {"max det", {}, {"dog"}};
  cases[6].options.max_detections = 1;
  cases[7] = {"loose iou keeps the shifted dog", {}, {"dog", "dog", "car", "cat"}};
  cases[7].options.iou = 0.9f;
  for (const auto& c : cases) {
    auto r = e->detect(image, c.options);
    ASSERT_TRUE(r.ok()) << c.name << ": " << r.error().message;
    EXPECT_EQ(labels(*r), c.want) << c.name;
  }
}

TEST_P(PlantedModels, BadOptionsAreRefused) {
  auto e = engine();
  ASSERT_TRUE(e);
  DetectOptions unknown_class;
  unknown_class.classes = {"giraffe"};
  auto r = e->detect(png(64, 64), unknown_class);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_NE(r.error().message.find("giraffe"), std::string::npos);
  DetectOptions bad_conf;
  bad_conf.confidence = 1.5f;
  EXPECT_EQ(e->detect(png(64, 64), bad_conf).error().code, Errc::invalid_argument);
  DetectOptions unknown_model;
  unknown_model.model = "nope";
  EXPECT_EQ(e->detect(png(64, 64), unknown_model).error().code, Errc::not_found);
}

TEST_P(PlantedModels, BatchesOfOneTwoAndThree) {
  auto runtime = Runtime::create();
  ASSERT_TRUE(runtime.ok());
  ModelEntry entry{GetParam(), "1", (dir_ / (GetParam() + ".onnx")).string(), ""};
  auto model = Model::load(runtime.value(), entry, EngineSettings{});
  ASSERT_TRUE(model.ok()) << model.error().message;
  const std::size_t per = (*model)->image_floats();
  for (std::int64_t count : {1, 2, 3}) {
    std::vector<float> images(per * count, 0.5f);
    auto out = (*model)->infer_many(images, count);
    ASSERT_TRUE(out.ok()) << out.error().message;
    ASSERT_EQ(out->size(), static_cast<std::size_t>(count));
    for (const auto& one : out.value()) {
      ASSERT_EQ(one[0].shape[0], 1);
      auto c = decode_outputs((*model)->spec(), one, DecodeParams{0.25f, {}});
      ASSERT_EQ(c.size(), 4u);  // before NMS: dog, dog, car, cat
      EXPECT_FLOAT_EQ(c[0].box.x1, kDog.x1);
      EXPECT_FLOAT_EQ(c[0].box.y2, kDog.y2);
    }
  }
}

TEST_P(PlantedModels, ConcurrentCallersShareBatches) {
  EngineSettings s;
  s.batch_max_size = 3;
  s.batch_max_wait_us = 200'000;  // long enough for the three threads to meet
  auto e = engine(s);
  ASSERT_TRUE(e);
  const std::pair<int, int> sizes[] = {{320, 320}, {640, 320}, {200, 400}};
  std::vector<Result<DetectionResult>> results(3, Error{Errc::internal, "not run"});
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back(
        [&, i] { results[i] = e->detect(png(sizes[i].first, sizes[i].second), {}); });
  }
  for (auto& t : threads) t.join();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[i].ok()) << results[i].error().message;
    ASSERT_EQ(labels(*results[i]), (std::vector<std::string>{"dog", "car", "cat"}));
    expect_box(results[i]->detections[0].box, expected(kDog, sizes[i].first, sizes[i].second));
  }
}

TEST_P(PlantedModels, TilesAreMergedInImageCoordinates) {
  auto e = engine();
  ASSERT_TRUE(e);
  DetectOptions o;
  o.tile.width = 320;
  o.tile.height = 320;
  o.tile.overlap = 0.0f;
  o.tile.include_full_image = false;
  auto r = e->detect(png(640, 320), o);  // two tiles: x = 0 and x = 320, no full-image pass
  ASSERT_TRUE(r.ok()) << r.error().message;
  // Each tile sees the planted dog at its own (110..210, 135..185): two dogs, 320 px apart.
  std::vector<float> dog_x;
  for (const auto& d : r->detections) {
    if (d.label == "dog") dog_x.push_back(d.box.x1);
  }
  std::sort(dog_x.begin(), dog_x.end());
  ASSERT_EQ(dog_x.size(), 2u);
  EXPECT_NEAR(dog_x[0], 110, 1e-3);
  EXPECT_NEAR(dog_x[1], 430, 1e-3);
}

INSTANTIATE_TEST_SUITE_P(Families, PlantedModels,
                         ::testing::Values("yolov8", "yolov5", "yolov8_quantised"));

TEST(ModelRefusal, UnservableModelsAreRefusedWithAReason) {
  TempDir dir;
  test::make_test_models(dir.path());
  const std::pair<const char*, const char*> cases[] = {
      {"segment.onnx", "task 'segment'"},      {"two_inputs.onnx", "2 inputs"},
      {"flat_output.onnx", "[batch, a, b]"},   {"not_onnx.onnx", "cannot load"},
      {"missing.onnx", "not a readable file"},
  };
  for (auto [file, reason] : cases) {
    EngineSettings s;
    s.model_path = (dir.path() / file).string();
    auto e = Engine::load(s);
    ASSERT_FALSE(e.ok()) << file;
    EXPECT_NE(e.error().message.find(reason), std::string::npos) << e.error().message;
  }
  // Ultralytics' stride: an input that is not a multiple of it is refused; 32 is read.
  {
    std::ofstream(dir.path() / "yolov8.json") << R"({"stride": 48})";
    EngineSettings s;
    s.model_path = (dir.path() / "yolov8.onnx").string();
    auto e = Engine::load(s);
    ASSERT_FALSE(e.ok());
    EXPECT_NE(
        e.error().message.find("the input 320x320 is not a multiple of the model's stride 48"),
        std::string::npos)
        << e.error().message;
    std::filesystem::remove(dir.path() / "yolov8.json");
    auto fine = Engine::load(s);
    ASSERT_TRUE(fine.ok()) << fine.error().message;
    EXPECT_EQ(fine.value()->find_model("")->stride, 32);
  }
  EngineSettings empty;
  empty.models_dir = (dir.path() / "no-such-dir").string();
  auto e = Engine::load(empty);
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace ov::inference
