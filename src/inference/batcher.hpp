#pragma once
// Gathers single-image calls from several threads into one batch: the first caller of a batch
// waits for others (up to `max_wait`, or until `max_batch` images), runs them as one tensor and
// hands every caller its own outputs. It waits only while other callers are on their way
// (announced and still decoding their image), so a lone caller never waits. No thread of its
// own; batches may run concurrently.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "inference/session.hpp"

namespace ov::inference {

class Batcher {
 public:
  // Runs `count` images stored back to back; returns outputs with a leading batch dimension.
  using RunFn =
      std::function<Result<std::vector<Tensor>>(std::span<const float> data, std::int64_t count)>;
  Batcher(RunFn run, std::size_t image_floats, int max_batch, std::chrono::microseconds max_wait);

  // A caller says it will submit soon (before decoding its image); the ticket withdraws the
  // announcement if it is dropped without a submit.
  class Ticket {
   public:
    explicit Ticket(Batcher* batcher) : batcher_(batcher) {}
    Ticket(Ticket&& other) noexcept : batcher_(std::exchange(other.batcher_, nullptr)) {}
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket();

   private:
    friend class Batcher;
    Batcher* batcher_;
  };
  Ticket announce();

  // One image (image_floats floats) in, its outputs (batch dimension 1) out. Thread-safe.
  // `waited`, when given, gets how long the image waited for its batch to start running.
  Result<std::vector<Tensor>> submit(std::span<const float> image,
                                     std::chrono::steady_clock::duration* waited = nullptr);
  Result<std::vector<Tensor>> submit(std::span<const float> image, Ticket ticket,
                                     std::chrono::steady_clock::duration* waited = nullptr);

  std::uint64_t batches_run() const;

 private:
  struct Batch;
  // Both submits: a ticket is withdrawn under the same lock as its image joins a batch, so that
  // a leader never sees the announcement gone before the image is there.
  Result<std::vector<Tensor>> join(std::span<const float> image,
                                   std::chrono::steady_clock::duration* waited, Ticket* ticket);
  RunFn run_;
  std::size_t image_floats_;
  int max_batch_;
  std::chrono::microseconds max_wait_;
  mutable std::mutex mutex_;
  std::shared_ptr<Batch> open_;  // the batch still taking images, if any
  std::size_t arriving_ = 0;     // announced callers that have not submitted yet
  std::uint64_t batches_ = 0;
};

// Slices image `index` out of batched outputs (keeps a batch dimension of 1).
std::vector<Tensor> slice_batch(const std::vector<Tensor>& outputs, std::int64_t index);

}  // namespace ov::inference
