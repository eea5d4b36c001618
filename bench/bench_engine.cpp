// The detection engine's costs, measured side by side in one run:
//  1. raw Ort::Session::Run of the default model (2 intra-op threads, spinning off) against the
//     whole Engine::detect path (decode, letterbox, run, decode outputs, NMS) on the same photo,
//     interleaved in rounds: the overhead ratio, median and spread;
//  2. images per second with 1 and 2 concurrent callers, with and without the batcher.
// Usage: bench_engine [--photo PATH] [--models DIR] [--rounds N] [--seconds S]
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <thread>
#include <vector>

#include "inference/engine.hpp"
#include "inference/preprocess.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using ov::inference::DetectOptions;
using ov::inference::Engine;
using ov::inference::EngineSettings;

double ms(Clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::unique_ptr<Engine> load(const std::string& models, int batch) {
  EngineSettings s;
  s.models_dir = models;
  s.intra_threads = 2;
  s.batch_max_size = batch;
  s.batch_max_wait_us = 1000;
  auto e = Engine::load(s);
  if (!e) {
    std::fprintf(stderr, "bench_engine: %s\n", e.error().message.c_str());
    std::exit(1);
  }
  return std::move(e.value());
}

void overhead(const std::string& models, const std::vector<std::uint8_t>& photo,
              const std::string& photo_path, int rounds) {
  auto engine = load(models, 1);
  const auto info = engine->models().front();

  Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "bench");
  Ort::SessionOptions so;
  so.SetIntraOpNumThreads(2);
  so.SetInterOpNumThreads(1);
  so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
  so.AddConfigEntry("session.intra_op.allow_spinning", "0");
  Ort::Session session(env, info.path.c_str(), so);
  Ort::AllocatorWithDefaultOptions alloc;
  auto in_name = session.GetInputNameAllocated(0, alloc);
  std::vector<Ort::AllocatedStringPtr> out_holders;
  std::vector<const char*> out_names;
  for (std::size_t i = 0; i < session.GetOutputCount(); ++i) {
    out_holders.push_back(session.GetOutputNameAllocated(i, alloc));
    out_names.push_back(out_holders.back().get());
  }
  const char* in_names[] = {in_name.get()};
  // The same photo's tensor (preprocessed once, outside the timing).
  cv::Mat image = cv::imread(photo_path, cv::IMREAD_COLOR);
  std::vector<float> tensor(3 * info.input_width * info.input_height);
  ov::inference::Normalization norm{
      false, {103.53f, 116.28f, 123.675f}, {57.375f, 57.12f, 58.395f}, 0};
  ov::inference::preprocess(image, info.input_width, info.input_height, norm, tensor.data());
  const std::int64_t shape[] = {1, 3, info.input_height, info.input_width};
  auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  auto input = Ort::Value::CreateTensor<float>(memory, tensor.data(), tensor.size(), shape, 4);
  auto raw_run = [&] {
    auto out = session.Run(Ort::RunOptions{nullptr}, in_names, &input, 1, out_names.data(),
                           out_names.size());
    return out.size();
  };
  auto detect = [&] { return engine->detect(photo, DetectOptions{}).ok(); };
  for (int i = 0; i < 5; ++i) raw_run(), detect();  // warm-up

  const int per_round = 10;
  std::vector<double> raw_ms, detect_ms, ratios;
  // Calls alternate one by one, so that the load of a shared machine hits both alike.
  std::vector<double> raw_each, detect_each;
  for (int r = 0; r < rounds; ++r) {
    double raw = 0, det = 0;
    for (int i = 0; i < per_round; ++i) {
      auto t0 = Clock::now();
      raw_run();
      const double a = ms(Clock::now() - t0);
      t0 = Clock::now();
      detect();
      const double b = ms(Clock::now() - t0);
      raw += a;
      det += b;
      raw_each.push_back(a);
      detect_each.push_back(b);
    }
    raw_ms.push_back(raw / per_round);
    detect_ms.push_back(det / per_round);
    ratios.push_back(det / raw);
  }
  std::printf("model %s (%s %dx%d), photo %s, 2 intra-op threads, %d rounds x %d\n",
              info.name.c_str(), ov::inference::to_string(info.family), info.input_width,
              info.input_height, photo_path.c_str(), rounds, per_round);
  std::printf("  raw Session::Run   median %7.2f ms  (min %.2f, max %.2f)\n", median(raw_ms),
              *std::min_element(raw_ms.begin(), raw_ms.end()),
              *std::max_element(raw_ms.begin(), raw_ms.end()));
  std::printf("  Engine::detect     median %7.2f ms  (min %.2f, max %.2f)\n", median(detect_ms),
              *std::min_element(detect_ms.begin(), detect_ms.end()),
              *std::max_element(detect_ms.begin(), detect_ms.end()));
  std::printf("  overhead ratio     median %7.3f x   (min %.3f, max %.3f)\n", median(ratios),
              *std::min_element(ratios.begin(), ratios.end()),
              *std::max_element(ratios.begin(), ratios.end()));
  const double best_raw = *std::min_element(raw_each.begin(), raw_each.end());
  const double best_det = *std::min_element(detect_each.begin(), detect_each.end());
  std::printf("  fastest single calls: raw %.2f ms, detect %.2f ms, ratio %.3f x\n", best_raw,
              best_det, best_det / best_raw);
}

double throughput(const Engine& engine, const std::vector<std::uint8_t>& photo, int callers,
                  double seconds) {
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (int c = 0; c < callers; ++c) {
    threads.emplace_back([&] {
      while (!stop.load()) {
        if (engine.detect(photo, DetectOptions{}).ok()) ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return done.load() / (ms(Clock::now() - t0) / 1000.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::string photo_path = "/usr/share/darknet/data/dog.jpg";
  std::string models = std::string(OV_SOURCE_DIR) + "/models";
  int rounds = 15;
  double seconds = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--photo")) photo_path = argv[i + 1];
    if (!std::strcmp(argv[i], "--models")) models = argv[i + 1];
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
  }
  std::ifstream in(photo_path, std::ios::binary);
  const std::vector<std::uint8_t> photo(std::istreambuf_iterator<char>(in), {});

  overhead(models, photo, photo_path, rounds);

  std::printf("throughput (images/s, %.0f s each, 2 intra-op threads per session)\n", seconds);
  auto plain = load(models, 1);
  auto batched = load(models, 4);
  for (int callers : {1, 2}) {
    const double a = throughput(*plain, photo, callers, seconds);
    const double b = throughput(*batched, photo, callers, seconds);
    std::printf("  %d caller%s  no batcher %6.1f   batcher (max 4, 1000 us) %6.1f\n", callers,
                callers > 1 ? "s" : " ", a, b);
  }
  return 0;
}
