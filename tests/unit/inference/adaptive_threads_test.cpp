// With adaptive threads a model has two sessions: a run alone takes every core (the session with
// every intra-op thread), runs that overlap take one core each (the single-threaded session).
// Either way the outputs are the model's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "inference/model.hpp"
#include "inference/model_repository.hpp"
#include "support.hpp"

namespace ov::inference {
namespace {

EngineSettings two_cores(bool adaptive) {
  EngineSettings s;
  s.models_dir = test::default_model_dir().string();
  s.intra_threads = 2;
  s.adaptive_threads = adaptive;
  s.batch_max_size = 1;  // every call its own run
  return s;
}

float largest_difference(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  EXPECT_EQ(a.size(), b.size());
  float most = 0;
  for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    EXPECT_EQ(a[i].shape, b[i].shape);
    for (std::size_t j = 0; j < std::min(a[i].values.size(), b[i].values.size()); ++j) {
      most = std::max(most, std::abs(a[i].values[j] - b[i].values[j]));
    }
  }
  return most;
}

std::vector<float> input_of(const Model& model) {
  std::vector<float> in(model.image_floats());
  for (std::size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i % 251) / 251.0f;
  return in;
}

// The default model on a runtime of two cores.
struct Loaded {
  std::shared_ptr<Runtime> runtime;
  std::unique_ptr<Model> model;
};

Loaded load_model(bool adaptive) {
  const auto settings = two_cores(adaptive);
  auto entries = discover_models(settings);
  EXPECT_TRUE(entries.ok());
  auto runtime = Runtime::create(2);
  EXPECT_TRUE(runtime.ok());
  if (!entries.ok() || !runtime.ok()) return {};
  auto model = Model::load(runtime.value(), entries.value()[0], settings);
  EXPECT_TRUE(model.ok()) << model.error().message;
  if (!model.ok()) return {};
  return {runtime.value(), std::move(model.value())};
}

TEST(AdaptiveThreads, OverlappingRunsTakeACoreEachAndAnswerAsARunAlone) {
  const Loaded loaded = load_model(true);
  ASSERT_TRUE(loaded.model);
  const Model* model = loaded.model.get();
  CoreBudget& cores = loaded.runtime->cores();
  const auto input = input_of(*model);

  const auto before = cores.stats();
  auto alone = model->infer(input);
  ASSERT_TRUE(alone.ok()) << alone.error().message;
  EXPECT_EQ(cores.stats().whole, before.whole + 1) << "alone: every core";

  // Two runs that find the cores busy (a lease held here) wait, then run side by side.
  std::optional<CoreBudget::Lease> busy(cores.acquire());
  std::vector<std::optional<Result<std::vector<Tensor>>>> outputs(2);
  std::vector<std::thread> callers;
  for (auto& out : outputs) {
    callers.emplace_back([&, slot = &out] { slot->emplace(model->infer(input)); });
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (cores.stats().waiting < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_EQ(cores.stats().waiting, 2);
  busy.reset();
  for (auto& t : callers) t.join();
  EXPECT_EQ(cores.stats().single, before.single + 2) << "overlapping: one core each";
  for (const auto& out : outputs) {
    ASSERT_TRUE(out->ok()) << out->error().message;
    EXPECT_LT(largest_difference(alone.value(), out->value()), 1e-3f)
        << "the single-threaded session answers as the wide one";
  }
}

TEST(AdaptiveThreads, OffEveryRunUsesTheOneSessionAndNoBudget) {
  const Loaded loaded = load_model(false);
  ASSERT_TRUE(loaded.model);
  const auto before = loaded.runtime->cores().stats();
  auto out = loaded.model->infer(input_of(*loaded.model));
  ASSERT_TRUE(out.ok()) << out.error().message;
  const auto after = loaded.runtime->cores().stats();
  EXPECT_EQ(after.whole + after.single, before.whole + before.single) << "no lease taken";
}

}  // namespace
}  // namespace ov::inference
