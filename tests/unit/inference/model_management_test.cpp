// Loading, reloading and unloading models and setting aliases while detections run: every
// detection either finishes on the model it started with or is told the model is not loaded.
#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "support.hpp"

namespace ov::inference {
namespace {
namespace fs = std::filesystem;
using test::TempDir;

// A models directory with the bundled model under `names` (version 1 each).
class ModelManagement : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"nanodet-m", "second"}) add_version(name, "1");
    EngineSettings s;
    s.models_dir = dir_.path().string();
    s.default_model = "nanodet-m";
    s.intra_threads = 1;
    s.aliases = {{"ipcam-general", ""}};
    auto engine = Engine::load(s);
    ASSERT_TRUE(engine.ok()) << engine.error().message;
    engine_ = std::move(engine.value());
    photo_ = test::read_bytes(test::darknet("dog.jpg"));
  }

  void add_version(const std::string& name, const std::string& version) {
    fs::create_directories(dir_.path() / name / version);
    fs::copy_file(test::default_model_dir() / "nanodet-m" / "1" / "model.onnx",
                  dir_.path() / name / version / "model.onnx");
    fs::copy_file(test::default_model_dir() / "nanodet-m" / "config.json",
                  dir_.path() / name / "config.json", fs::copy_options::overwrite_existing);
  }

  ModelCounters counters(const std::string& model) const {
    for (const auto& s : engine_->model_statuses()) {
      if (s.info.name == model) return s.counters;
    }
    return ModelCounters{};
  }

  Result<DetectionResult> detect(const std::string& model) const {
    DetectOptions o;
    o.model = model;
    return engine_->detect(photo_, o);
  }

  const ModelStatus* status_of(const std::vector<ModelStatus>& all, const std::string& name) {
    for (const auto& s : all) {
      if (s.info.name == name) return &s;
    }
    return nullptr;
  }

  TempDir dir_;
  std::unique_ptr<Engine> engine_;
  std::vector<std::uint8_t> photo_;
};

TEST_F(ModelManagement, LoadsAModelAddedToTheDirectoryWithoutARestart) {
  add_version("third", "1");
  EXPECT_EQ(detect("third").error().code, Errc::not_found);
  auto statuses = engine_->model_statuses();
  ASSERT_NE(status_of(statuses, "third"), nullptr);
  EXPECT_EQ(status_of(statuses, "third")->state, ModelState::available);

  auto loaded = engine_->load_model("third");
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->name, "third");
  EXPECT_FALSE(loaded->is_default);
  auto result = detect("third");
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_FALSE(result->detections.empty());
  EXPECT_EQ(status_of(engine_->model_statuses(), "third")->state, ModelState::loaded);
  EXPECT_EQ(status_of(engine_->model_statuses(), "third")->counters.success, 1);

  EXPECT_EQ(engine_->load_model("third").error().code, Errc::conflict);
  EXPECT_EQ(engine_->load_model("absent").error().code, Errc::not_found);
}

TEST_F(ModelManagement, ARefusedModelKeepsItsReason) {
  const fs::path seg = dir_.path() / "seg" / "1";
  fs::create_directories(seg);
  fs::copy_file(test::shared_test_models() / "segment.onnx", seg / "model.onnx");
  auto refused = engine_->load_model("seg");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::unsupported);
  EXPECT_NE(refused.error().message.find("task 'segment' is not served"), std::string::npos)
      << refused.error().message;
  const auto statuses = engine_->model_statuses();
  const ModelStatus* s = status_of(statuses, "seg");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->state, ModelState::failed);
  EXPECT_EQ(s->reason, refused.error().message);
  EXPECT_EQ(engine_->find_model("seg"), nullptr);
}

TEST_F(ModelManagement, UnloadingWaitsForNoneAndFailsNoDetectionInFlight) {
  std::atomic<bool> stop{false};
  std::atomic<int> finished{0}, unknown{0}, other{0};
  std::vector<std::thread> callers;
  for (int i = 0; i < 3; ++i) {
    callers.emplace_back([&] {
      while (!stop.load()) {
        auto r = detect("second");
        if (r.ok()) {
          ++finished;
        } else if (r.error().code == Errc::not_found) {
          ++unknown;
        } else {
          ++other;
        }
      }
    });
  }
  // Unload once detections are running on it, then let the callers meet the change.
  for (int spin = 0; finished.load() < 3 && spin < 6000; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_GE(finished.load(), 3);
  ASSERT_TRUE(engine_->unload_model("second").ok());
  for (int spin = 0; unknown.load() < 3 && spin < 6000; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  for (auto& t : callers) t.join();
  EXPECT_EQ(other.load(), 0);
  EXPECT_GE(unknown.load(), 3);
  EXPECT_EQ(engine_->find_model("second"), nullptr);
  EXPECT_EQ(status_of(engine_->model_statuses(), "second")->state, ModelState::available);
  EXPECT_TRUE(detect("nanodet-m").ok());
  EXPECT_EQ(engine_->unload_model("second").error().code, Errc::not_found);
}

TEST_F(ModelManagement, ReloadSwapsInTheNewestVersionWhileDetectionsRun) {
  add_version("second", "2");
  std::atomic<bool> stop{false};
  std::atomic<int> failed{0}, finished{0};
  std::thread caller([&] {
    while (!stop.load()) (detect("second").ok() ? finished : failed)++;
  });
  auto reloaded = engine_->reload_model("second");
  const int before_swap = finished.load();
  for (int spin = 0; finished.load() < before_swap + 2 && spin < 6000; ++spin) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  stop = true;
  caller.join();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  EXPECT_EQ(reloaded->version, "2");
  EXPECT_EQ(engine_->find_model("second")->version, "2");
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(engine_->reload_model("absent").error().code, Errc::not_found);
}

TEST_F(ModelManagement, TheDefaultAndAliasedModelsStay) {
  EXPECT_EQ(engine_->unload_model("nanodet-m").error().code, Errc::conflict);
  ASSERT_TRUE(engine_->set_alias("ipcam-dark", "second").ok());
  EXPECT_EQ(engine_->find_model("ipcam-dark")->name, "second");
  EXPECT_EQ(engine_->find_model("ipcam-general")->name, "nanodet-m");
  auto refused = engine_->unload_model("second");
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_NE(refused.error().message.find("ipcam-dark"), std::string::npos);

  // Moved to the default model, the alias lets it go.
  ASSERT_TRUE(engine_->set_alias("ipcam-dark", "*").ok());
  EXPECT_EQ(engine_->find_model("ipcam-dark")->name, "nanodet-m");
  EXPECT_TRUE(engine_->unload_model("second").ok());
  ASSERT_TRUE(engine_->remove_alias("ipcam-dark").ok());
  EXPECT_EQ(engine_->find_model("ipcam-dark"), nullptr);
  EXPECT_EQ(engine_->remove_alias("ipcam-dark").error().code, Errc::not_found);
}

TEST_F(ModelManagement, AliasesAreCheckedNames) {
  EXPECT_EQ(engine_->set_alias("second", "nanodet-m").error().code, Errc::invalid_argument);
  EXPECT_EQ(engine_->set_alias("a b", "nanodet-m").error().code, Errc::invalid_argument);
  EXPECT_EQ(engine_->set_alias("", "nanodet-m").error().code, Errc::invalid_argument);
  EXPECT_EQ(engine_->set_alias("ok", "absent").error().code, Errc::not_found);
  const auto aliases = engine_->aliases();
  ASSERT_EQ(aliases.size(), 1u);
  EXPECT_EQ(aliases[0], (std::pair<std::string, std::string>{"ipcam-general", ""}));
}

TEST(ModelAliasesAtStart, ABadAliasStopsTheStart) {
  EngineSettings s;
  s.models_dir = test::default_model_dir().string();
  s.intra_threads = 1;
  s.warm_up = false;
  s.aliases = {{"ipcam-dark", "absent"}};
  auto engine = Engine::load(s);
  ASSERT_FALSE(engine.ok());
  EXPECT_NE(engine.error().message.find("MODEL_ALIASES: ipcam-dark names the model absent"),
            std::string::npos)
      << engine.error().message;
}

// The warm-up (at load, and per thread) runs the whole pipeline and is not counted as
// detections: the counters start at what users asked for.
TEST_F(ModelManagement, WarmUpsAreNotCounted) {
  const ModelCounters before = counters("nanodet-m");
  ASSERT_TRUE(engine_->warm_up_this_thread().ok());
  std::thread other([&] { EXPECT_TRUE(engine_->warm_up_this_thread().ok()); });
  other.join();
  EXPECT_EQ(counters("nanodet-m").inferences, before.inferences);
  EXPECT_EQ(counters("nanodet-m").executions, before.executions);
  ASSERT_TRUE(detect("nanodet-m").ok());
  EXPECT_EQ(counters("nanodet-m").inferences, before.inferences + 1);
  EXPECT_EQ(counters("nanodet-m").success, before.success + 1);
}

// Warm-ups on other threads while detections run (a slot thread warming up as the first job
// arrives): every detection's run is counted, no warm-up's is, whoever leads a batch. Before,
// a warm-up could join a request's batch (black-box test_metrics failed under load).
TEST_F(ModelManagement, WarmUpsBesideDetectionsNeitherCountNorHideTheirRuns) {
  const ModelCounters before = counters("nanodet-m");
  constexpr int kDetections = 12;
  std::atomic<bool> detecting{true};
  std::vector<std::thread> warming;
  for (int t = 0; t < 2; ++t) {
    warming.emplace_back([&] {
      while (detecting) EXPECT_TRUE(engine_->warm_up_this_thread().ok());
    });
  }
  std::vector<std::thread> detections;
  for (int t = 0; t < 3; ++t) {
    detections.emplace_back([&] {
      for (int i = 0; i < kDetections / 3; ++i) EXPECT_TRUE(detect("nanodet-m").ok());
    });
  }
  for (auto& t : detections) t.join();
  detecting = false;
  for (auto& t : warming) t.join();
  const ModelCounters after = counters("nanodet-m");
  EXPECT_EQ(after.success - before.success, kDetections);
  EXPECT_EQ(after.inferences - before.inferences, kDetections);  // one image per detection
  EXPECT_GE(after.executions - before.executions, 1);
  EXPECT_LE(after.executions - before.executions, kDetections);
}

}  // namespace
}  // namespace ov::inference
