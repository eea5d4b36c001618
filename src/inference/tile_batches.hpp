#pragma once
// Regions of one image through the model in bounded batches (internal: includes OpenCV): the
// input tensor holds one batch, never every tile at once, and each batch's outputs become
// candidates (in image pixels) before the next batch runs. A checkpoint before each batch can
// stop the run (the job's deadline).
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core/mat.hpp>

#include "core/error.hpp"
#include "inference/batcher.hpp"
#include "inference/decode.hpp"
#include "inference/model.hpp"
#include "inference/tiling.hpp"

namespace ov::inference {

struct TileRun {
  std::size_t batch = 1;  // regions per session run
  DecodeParams decode;
  // Called before each batch with the regions done so far; an error stops the run with it.
  std::function<Result<void>(std::size_t done, std::size_t total)> checkpoint;
  std::optional<Batcher::Ticket>* ticket = nullptr;  // a lone region goes through the batcher
  double* inference_ms = nullptr;                    // session time, added up
};

Result<std::vector<Candidate>> detect_regions(const Model& model, const cv::Mat& image,
                                              const std::vector<Region>& regions,
                                              const TileRun& run);

// Errc::timeout once `deadline` has passed; `what` says where the work stopped.
Result<void> check_deadline(const std::optional<std::chrono::steady_clock::time_point>& deadline,
                            const std::string& what);

}  // namespace ov::inference
