// make_local_bus: an in-process queue drained by one delivery thread (the embedded shape).
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "cache/log_throttle.hpp"
#include "events/bus.hpp"
#include "events/handler_set.hpp"

namespace ov::events {
namespace {

constexpr const char* kAll = "";  // the key of bus-wide handlers

class LocalBus final : public Bus {
 public:
  explicit LocalBus(std::size_t capacity)
      : capacity_(capacity > 0 ? capacity : 1), thread_([this] { run(); }) {}

  ~LocalBus() override {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    ready_.notify_one();
    thread_.join();
  }
  LocalBus(const LocalBus&) = delete;
  LocalBus& operator=(const LocalBus&) = delete;

  void publish(const Event& event) override {
    bool dropped = false;
    try {
      std::lock_guard lock(mutex_);
      if (queue_.size() >= capacity_) {
        dropped = true;
      } else {
        queue_.push_back(event);
      }
    } catch (...) {  // out of memory copying the event
      dropped = true;
    }
    if (!dropped) {
      ready_.notify_one();
      return;
    }
    if (auto held_back = drops_.admit()) {
      spdlog::warn(
          "event bus: {} undelivered events queued, dropped one for user {}; {} more "
          "dropped since the last report",
          capacity_, event.user_id, *held_back);
    }
  }

  std::unique_ptr<Subscription> subscribe(Handler handler) override {
    return handlers_->add(kAll, std::move(handler));
  }

 private:
  void run() {
    std::deque<Event> batch;
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      batch.swap(queue_);
      lock.unlock();
      for (const Event& event : batch) {
        handlers_->deliver(kAll, event);
      }
      batch.clear();
      lock.lock();
    }
  }

  const std::size_t capacity_;
  std::shared_ptr<detail::HandlerSet> handlers_ = std::make_shared<detail::HandlerSet>();
  cache::LogThrottle drops_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Event> queue_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace

std::unique_ptr<Bus> make_local_bus(std::size_t capacity) {
  return std::make_unique<LocalBus>(capacity);
}

}  // namespace ov::events
