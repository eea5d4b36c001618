#include "inference/slots.hpp"

#include "core/thread_priority.hpp"

namespace ov::inference {

Slots::Slots(int slots, int max_waiting, int nice, std::function<void()> on_start)
    : capacity_(static_cast<std::size_t>(slots > 0 ? slots : 1) +
                static_cast<std::size_t>(max_waiting > 0 ? max_waiting : 0)) {
  for (int i = 0; i < (slots > 0 ? slots : 1); ++i) {
    threads_.emplace_back([this, nice, on_start] {
      (void)lower_this_thread_priority(nice);
      if (on_start) on_start();
      loop();
    });
  }
}

Slots::~Slots() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  ready_.notify_all();
  for (auto& t : threads_) t.join();
}

bool Slots::try_run(std::function<void()> work) {
  {
    std::lock_guard lock(mu_);
    // Counted, not looked up among the threads: a slot whose thread has not reached its wait
    // yet (just started, or just finished a work) is free all the same.
    if (stop_ || in_flight_ >= capacity_) return false;
    ++in_flight_;
    queue_.push_back(std::move(work));
  }
  ready_.notify_one();
  return true;
}

std::size_t Slots::waiting() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Slots::loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    ready_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, nothing left
    auto work = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    try {
      work();
    } catch (...) {
      // The work answers its own caller; one that throws leaves it to the caller's timeout
      // and must not take the slot's thread (and the process) down.
    }
    lock.lock();
    --in_flight_;
  }
}

}  // namespace ov::inference
