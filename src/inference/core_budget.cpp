#include "inference/core_budget.hpp"

#include <algorithm>
#include <utility>

namespace ov::inference {

CoreBudget::CoreBudget(int cores) : total_(std::max(1, cores)), free_(total_) {}

CoreBudget::Lease::Lease(Lease&& other) noexcept
    : budget_(std::exchange(other.budget_, nullptr)), cores_(other.cores_) {}

CoreBudget::Lease::~Lease() {
  if (budget_ != nullptr) budget_->release(cores_);
}

bool CoreBudget::Lease::all() const {
  return budget_ != nullptr && cores_ == budget_->total_;
}

CoreBudget::Lease CoreBudget::acquire() {
  std::unique_lock lock(mu_);
  const std::uint64_t ticket = next_ticket_++;
  // Alone, with every core free: all of them, at once.
  if (ticket == serving_ && free_ == total_) {
    ++serving_;
    free_ = 0;
    ++stats_.whole;
    ++stats_.running;
    return Lease(this, total_);
  }
  ++stats_.waiting;
  turn_.wait(lock, [&] { return ticket == serving_ && free_ > 0; });
  --stats_.waiting;
  ++serving_;
  --free_;
  ++stats_.single;
  ++stats_.running;
  // The next in line may have a core free already.
  if (free_ > 0 && serving_ != next_ticket_) turn_.notify_all();
  return Lease(this, 1);
}

void CoreBudget::release(int cores) {
  {
    std::lock_guard lock(mu_);
    free_ += cores;
    --stats_.running;
  }
  turn_.notify_all();
}

CoreBudget::Stats CoreBudget::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

}  // namespace ov::inference
