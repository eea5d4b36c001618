#pragma once
// What the application configures about detection (filled from the environment / config).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ov::inference {

struct EngineSettings {
  std::string models_dir = "models";  // MODELS_DIR: models/<name>/<version>/model.onnx
  std::string model_path;             // MODEL_PATH: one .onnx file, overrides the default model
  std::string default_model;          // a name in models_dir; empty = the only / first one
  float confidence = 0.25f;           // CONFIDENCE_THRESHOLD
  float iou = 0.45f;                  // IOU_THRESHOLD
  int max_detections = 300;           // MAX_DETECTIONS
  int intra_threads = 0;              // ORT intra-op threads; 0 = number of cores
  bool allow_spinning = false;        // ORT thread spinning (off: sessions share the cores)
  // INFERENCE_ADAPTIVE_THREADS: with intra_threads > 1, each model also gets a single-threaded
  // session; a run alone takes every core (intra_threads), runs that overlap one core each
  // (CoreBudget). Off: every run uses intra_threads threads, however many run at once.
  bool adaptive_threads = true;
  // INFERENCE_REDUCED_DECODE: a JPEG at least twice the model's input is decoded at 1/2, 1/4 or
  // 1/8 of its size inside the decoder (unless annotated or tiled). Off: every pixel, always.
  bool reduced_decode = true;
  int nice = 0;                          // INFERENCE_NICE: the intra-op threads' nice increment
  std::int64_t max_pixels = 40'000'000;  // decompression-bomb limit, checked from the header
  int max_tiles = 64;                    // MAX_TILES: tiles per image, the full image included
  int batch_max_size = 4;                // batcher: images per session run (1 = no batcher);
                                         // also the tiles run at a time
  int batch_max_wait_us = 1000;          // batcher: how long the first caller waits for others
  bool warm_up = true;                   // run each model once at load (its outputs checked)
  int warm_up_runs = 3;                  // INFERENCE_WARM_UP_RUNS: the whole pipeline, at load
                                         // and on each slot's thread (warm_up_this_thread)
  // MODEL_ALIASES: other names of loaded models; an empty model is the default one.
  std::vector<std::pair<std::string, std::string>> aliases;
};

}  // namespace ov::inference
