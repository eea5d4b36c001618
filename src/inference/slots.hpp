#pragma once
// Inference slots for requests that wait for a detection (the DeepStack endpoint): a few
// threads of their own run the detections, at most `max_waiting` more wait for one, and beyond
// that a request is refused at once (the caller answers 503 with Retry-After) rather than
// queued without bound. The request's own thread is never held: the work reports back through
// its callback. The slots' threads run at `nice` above the creator's nice value: detections
// give way to the threads that answer requests. Each thread first calls `on_start` (the
// engine's warm-up of a thread: a thread's first detections are slow) and then takes work;
// work admitted meanwhile waits for it.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ov::inference {

class Slots {
 public:
  Slots(int slots, int max_waiting, int nice = 0, std::function<void()> on_start = {});
  ~Slots();  // finishes what was admitted, then stops
  Slots(const Slots&) = delete;
  Slots& operator=(const Slots&) = delete;

  // False (nothing run) when every slot is busy and max_waiting works wait already.
  bool try_run(std::function<void()> work);
  std::size_t waiting() const;

 private:
  void loop();

  const std::size_t capacity_;  // slots + max_waiting: admitted and not yet finished
  mutable std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::size_t in_flight_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ov::inference
