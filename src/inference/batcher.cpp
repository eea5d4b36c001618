#include "inference/batcher.hpp"

namespace ov::inference {

struct Batcher::Batch {
  std::vector<float> data;
  int count = 0;
  bool closed = false;  // taken by its leader: no more images
  bool done = false;
  std::chrono::steady_clock::time_point started;  // when its leader ran it
  std::condition_variable full;                   // leader waits for images
  std::condition_variable ready;                  // followers wait for results
  Result<std::vector<Tensor>> outputs = Error{Errc::internal, "batch not run"};
};

Batcher::Batcher(RunFn run, std::size_t image_floats, int max_batch,
                 std::chrono::microseconds max_wait)
    : run_(std::move(run)),
      image_floats_(image_floats),
      max_batch_(max_batch < 1 ? 1 : max_batch),
      max_wait_(max_wait) {}

std::uint64_t Batcher::batches_run() const {
  std::lock_guard lock(mutex_);
  return batches_;
}

std::vector<Tensor> slice_batch(const std::vector<Tensor>& outputs, std::int64_t index) {
  std::vector<Tensor> out;
  out.reserve(outputs.size());
  for (const auto& t : outputs) {
    Tensor s;
    s.shape = t.shape;
    const std::int64_t batch = t.shape.empty() ? 1 : t.shape[0];
    const std::size_t per = batch > 0 ? t.values.size() / static_cast<std::size_t>(batch) : 0;
    if (!s.shape.empty()) s.shape[0] = 1;
    s.values = t.values.subspan(static_cast<std::size_t>(index) * per, per);  // no copy
    s.owner = t.owner;
    out.push_back(std::move(s));
  }
  return out;
}

Batcher::Ticket Batcher::announce() {
  std::lock_guard lock(mutex_);
  ++arriving_;
  return Ticket(this);
}

Batcher::Ticket::~Ticket() {
  if (batcher_ == nullptr) return;
  std::lock_guard lock(batcher_->mutex_);
  --batcher_->arriving_;
  if (batcher_->open_) batcher_->open_->full.notify_one();  // its leader may stop waiting
}

Result<std::vector<Tensor>> Batcher::submit(std::span<const float> image, Ticket ticket,
                                            std::chrono::steady_clock::duration* waited) {
  return join(image, waited, &ticket);
}

Result<std::vector<Tensor>> Batcher::submit(std::span<const float> image,
                                            std::chrono::steady_clock::duration* waited) {
  return join(image, waited, nullptr);
}

Result<std::vector<Tensor>> Batcher::join(std::span<const float> image,
                                          std::chrono::steady_clock::duration* waited,
                                          Ticket* ticket) {
  const auto arrived = std::chrono::steady_clock::now();
  if (max_batch_ == 1) {  // no batch to wait for: the ticket goes with the caller's frame
    if (waited != nullptr) *waited = {};
    return run_(image, 1);
  }
  std::unique_lock lock(mutex_);
  // The announcement ends as the image joins (one lock): a leader waiting for announced callers
  // sees either both or neither.
  if (ticket != nullptr && ticket->batcher_ == this) {
    --arriving_;
    ticket->batcher_ = nullptr;
  }
  std::shared_ptr<Batch> batch = open_;
  const bool leader = batch == nullptr;
  if (leader) {
    batch = std::make_shared<Batch>();
    batch->data.reserve(image_floats_ * max_batch_);
    open_ = batch;
  }
  const int index = batch->count++;
  batch->data.insert(batch->data.end(), image.begin(), image.end());
  if (batch->count == max_batch_) {
    batch->closed = true;
    open_.reset();
  }
  if (!leader) batch->full.notify_one();
  if (!leader) {
    batch->ready.wait(lock, [&] { return batch->done; });
    if (waited != nullptr) *waited = batch->started - arrived;
    if (!batch->outputs) return batch->outputs.error();
    return slice_batch(batch->outputs.value(), index);
  }
  batch->full.wait_for(lock, max_wait_, [&] { return batch->closed || arriving_ == 0; });
  if (!batch->closed) {
    batch->closed = true;
    open_.reset();
  }
  ++batches_;
  batch->started = std::chrono::steady_clock::now();
  if (waited != nullptr) *waited = batch->started - arrived;
  lock.unlock();
  auto outputs = run_(batch->data, batch->count);  // images are immutable once closed
  lock.lock();
  batch->outputs = std::move(outputs);
  batch->done = true;
  batch->ready.notify_all();
  if (!batch->outputs) return batch->outputs.error();
  if (batch->count == 1) return batch->outputs.value();
  return slice_batch(batch->outputs.value(), index);
}

}  // namespace ov::inference
