// The detection engine's costs, measured side by side in one run:
//  1. raw Ort::Session::Run of the default model (2 intra-op threads, spinning off) against the
//     whole Engine::detect path (decode, letterbox, run, decode outputs, NMS) on the same photo,
//     interleaved in rounds: the overhead ratio, median and spread;
//  2. images per second with 1 and 2 concurrent callers, with and without the batcher.
// Usage: bench_engine [--photo PATH] [--models DIR] [--rounds N] [--seconds S]
//
// --raw MODEL.onnx: only the raw ONNX Runtime reference that bench/detect_ratio.py sets the API
// against, as key=value lines: the median Session::Run latency with --threads intra-op threads
// (--runs calls), then images/s for each way of filling the cores (one session with every
// thread; several callers on one session; one single-threaded session per core), --seconds
// each, and the best of them.
// Usage: bench_engine --raw MODEL.onnx [--photo PATH] [--threads T] [--runs N] [--seconds S]
#include <onnxruntime_cxx_api.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
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

// One Ort::Session on a model, fed a fixed, already preprocessed photo: the raw reference.
// Run() may be called from several threads at once (ONNX Runtime allows concurrent runs).
class RawRunner {
 public:
  RawRunner(Ort::Env& env, const std::string& model, int threads, const cv::Mat& photo,
            const ov::inference::Normalization& norm)
      : session_(env, model.c_str(), options(threads)) {
    Ort::AllocatorWithDefaultOptions alloc;
    names_.push_back(session_.GetInputNameAllocated(0, alloc));
    in_name_ = names_.back().get();
    for (std::size_t i = 0; i < session_.GetOutputCount(); ++i) {
      names_.push_back(session_.GetOutputNameAllocated(i, alloc));
      out_names_.push_back(names_.back().get());
    }
    auto dims = session_.GetInputTypeInfo(0).GetTensorTypeAndShapeInfo().GetShape();
    height_ = dims.size() == 4 && dims[2] > 0 ? static_cast<int>(dims[2]) : 640;
    width_ = dims.size() == 4 && dims[3] > 0 ? static_cast<int>(dims[3]) : 640;
    tensor_.resize(static_cast<std::size_t>(3) * width_ * height_);
    ov::inference::preprocess(photo, width_, height_, norm, tensor_.data());
    const std::int64_t shape[] = {1, 3, height_, width_};
    auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
    input_ = Ort::Value::CreateTensor<float>(memory, tensor_.data(), tensor_.size(), shape, 4);
  }

  std::size_t run() {
    auto out = session_.Run(Ort::RunOptions{nullptr}, &in_name_, &input_, 1, out_names_.data(),
                            out_names_.size());
    return out.size();
  }

  int width() const { return width_; }
  int height() const { return height_; }

 private:
  // The server's settings: spinning off, one inter-op thread, every graph optimisation.
  static Ort::SessionOptions options(int threads) {
    Ort::SessionOptions so;
    so.SetIntraOpNumThreads(threads);
    so.SetInterOpNumThreads(1);
    so.SetGraphOptimizationLevel(GraphOptimizationLevel::ORT_ENABLE_ALL);
    so.AddConfigEntry("session.intra_op.allow_spinning", "0");
    return so;
  }

  Ort::Session session_;
  std::vector<Ort::AllocatedStringPtr> names_;  // owns the strings below
  const char* in_name_ = nullptr;
  std::vector<const char*> out_names_;
  int width_ = 0, height_ = 0;
  std::vector<float> tensor_;
  Ort::Value input_{nullptr};
};

ov::inference::Normalization normalization(ov::inference::Family family) {
  if (family != ov::inference::Family::nanodet) return {};  // YOLO: RGB / 255, pad 114
  return {false, {103.53f, 116.28f, 123.675f}, {57.375f, 57.12f, 58.395f}, 0};
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
  // The same photo's tensor (preprocessed once, outside the timing).
  RawRunner raw(env, info.path, 2, cv::imread(photo_path, cv::IMREAD_COLOR),
                normalization(info.family));
  auto raw_run = [&] { return raw.run(); };
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

// Images per second of one thread per runner (a runner may appear several times: callers
// sharing a session), each calling run() in a loop for `seconds`.
double raw_rate(const std::vector<RawRunner*>& callers, double seconds) {
  for (RawRunner* r : callers) r->run();  // warm-up, outside the timing
  std::atomic<bool> stop{false};
  std::atomic<long> done{0};
  std::vector<std::thread> threads;
  const auto t0 = Clock::now();
  for (RawRunner* r : callers) {
    threads.emplace_back([&stop, &done, r] {
      while (!stop.load()) {
        r->run();
        ++done;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& t : threads) t.join();
  return done.load() / (ms(Clock::now() - t0) / 1000.0);
}

int raw_mode(const std::string& model, const std::string& photo_path, int threads, int runs,
             double seconds) {
  cv::Mat photo = cv::imread(photo_path, cv::IMREAD_COLOR);
  if (photo.empty()) {
    std::fprintf(stderr, "bench_engine: cannot read %s\n", photo_path.c_str());
    return 1;
  }
  Ort::Env env(ORT_LOGGING_LEVEL_ERROR, "bench");
  const ov::inference::Normalization norm;  // the values do not change the time a run takes

  RawRunner one(env, model, threads, photo, norm);
  for (int i = 0; i < 3; ++i) one.run();
  std::vector<double> each;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = Clock::now();
    one.run();
    each.push_back(ms(Clock::now() - t0));
  }
  std::printf("raw_latency_ms threads=%d median=%.3f min=%.3f max=%.3f runs=%d input=%dx%d\n",
              threads, median(each), *std::min_element(each.begin(), each.end()),
              *std::max_element(each.begin(), each.end()), runs, one.width(), one.height());

  // The ways of filling the cores; the best of them is what a server could at most reach.
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  struct Layout {
    int sessions, threads, callers;
  };
  const Layout layouts[] = {{1, cores, 1}, {1, cores, cores}, {1, 1, cores}, {cores, 1, cores}};
  double best = 0;
  Layout best_layout{};
  for (const Layout& l : layouts) {
    std::vector<std::unique_ptr<RawRunner>> sessions;
    for (int i = 0; i < l.sessions; ++i) {
      sessions.push_back(std::make_unique<RawRunner>(env, model, l.threads, photo, norm));
    }
    std::vector<RawRunner*> callers;
    for (int i = 0; i < l.callers; ++i) callers.push_back(sessions[i % l.sessions].get());
    const double ips = raw_rate(callers, seconds);
    std::printf("raw_throughput sessions=%d threads=%d callers=%d ips=%.2f\n", l.sessions,
                l.threads, l.callers, ips);
    std::fflush(stdout);
    if (ips > best) best = ips, best_layout = l;
  }
  std::printf("raw_best sessions=%d threads=%d callers=%d ips=%.2f\n", best_layout.sessions,
              best_layout.threads, best_layout.callers, best);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string photo_path = "/usr/share/darknet/data/dog.jpg";
  std::string models = std::string(OV_SOURCE_DIR) + "/models";
  std::string raw_model;
  int rounds = 15;
  int threads = 2;
  int runs = 20;
  double seconds = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--photo")) photo_path = argv[i + 1];
    if (!std::strcmp(argv[i], "--models")) models = argv[i + 1];
    if (!std::strcmp(argv[i], "--rounds")) rounds = std::atoi(argv[i + 1]);
    if (!std::strcmp(argv[i], "--seconds")) seconds = std::atof(argv[i + 1]);
    if (!std::strcmp(argv[i], "--raw")) raw_model = argv[i + 1];
    if (!std::strcmp(argv[i], "--threads")) threads = std::max(1, std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--runs")) runs = std::max(1, std::atoi(argv[i + 1]));
  }
  if (!raw_model.empty()) return raw_mode(raw_model, photo_path, threads, runs, seconds);

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
