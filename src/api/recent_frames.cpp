#include "api/recent_frames.hpp"

#include <utility>

#include "obs/metrics.hpp"

namespace ov::api {
namespace {

void count(const char* how) {
  static auto& frames = obs::metrics().counter(
      "objectvision_deepstack_duplicate_frames_total",
      "DeepStack requests answered from an identical earlier one without an inference: from "
      "its kept result (answered) or by waiting for it to finish (joined).",
      {"how"});
  frames.with({how}).add();
}

}  // namespace

RecentFrames::RecentFrames(std::chrono::milliseconds window, std::size_t capacity,
                           std::function<Clock::time_point()> now)
    : window_(window), capacity_(capacity), now_(std::move(now)) {}

void RecentFrames::expire(Clock::time_point now) {
  while (!finished_.empty() && finished_.front().first + window_ <= now) {
    auto it = entries_.find(finished_.front().second);
    // A key that ran again after this mark has a newer one of its own.
    if (it != entries_.end() && it->second.done && it->second.finished == finished_.front().first) {
      entries_.erase(it);
    }
    finished_.pop_front();
  }
}

bool RecentFrames::join(const std::string& key, Deliver deliver) {
  if (window_.count() <= 0) return true;
  std::unique_lock lock(mu_);
  expire(now_());
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    if (entries_.size() < capacity_) entries_.emplace(key, Entry{});
    return true;
  }
  if (!it->second.done) {
    it->second.waiting.push_back(std::move(deliver));
    ++stats_.joined;
    lock.unlock();
    count("joined");
    return false;
  }
  Result<inference::DetectionResult> kept = it->second.result;
  ++stats_.answered;
  lock.unlock();
  count("answered");
  deliver(kept);
  return false;
}

void RecentFrames::complete(const std::string& key,
                            const Result<inference::DetectionResult>& result) {
  if (window_.count() <= 0) return;
  std::vector<Deliver> waiting;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.done) return;  // not tracked (full)
    waiting = std::move(it->second.waiting);
    if (result) {
      it->second.done = true;
      it->second.result = *result;
      it->second.finished = now_();
      finished_.emplace_back(it->second.finished, key);
    } else {
      entries_.erase(it);  // the next request tries again
    }
  }
  for (auto& deliver : waiting) deliver(result);
}

RecentFrames::Stats RecentFrames::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace ov::api
