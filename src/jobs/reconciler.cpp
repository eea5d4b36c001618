#include "jobs/reconciler.hpp"

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "jobs/lifecycle.hpp"
#include "storage/database.hpp"

namespace ov::jobs {

Reconciler::Reconciler(Lifecycle& lifecycle, storage::LeaseRepository& leases, std::string holder,
                       std::chrono::milliseconds period)
    : lifecycle_(lifecycle), leases_(leases), holder_(std::move(holder)), period_(period) {}

Reconciler::~Reconciler() {
  stop();
}

void Reconciler::start() {
  thread_ = std::thread([this] { loop(); });
}

void Reconciler::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  (void)leases_.release("jobs.reconcile", holder_);
}

void Reconciler::run_once() {
  try {
    const auto ttl = period_ + period_ / 2;
    auto lease = leases_.acquire("jobs.reconcile", holder_, now_ms(), ttl.count());
    if (!lease) {
      spdlog::warn("reconciler: cannot take the lease: {}", lease.error().message);
      return;
    }
    if (!lease.value()) return;  // another process reconciles
    auto report = lifecycle_.reconcile();
    if (!report) {
      spdlog::warn("reconciler: {}", report.error().message);
      return;
    }
    const auto& r = report.value();
    if (r.published + r.requeued + r.dead + r.timed_out > 0) {
      spdlog::info(
          "reconciler: {} outbox entries published, {} jobs queued again, {} failed (dead in "
          "the queue), {} failed (timed out)",
          r.published, r.requeued, r.dead, r.timed_out);
    }
  } catch (const std::exception& e) {
    spdlog::warn("reconciler: {}", e.what());
  }
}

void Reconciler::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    run_once();
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stopping_; });
  }
}

}  // namespace ov::jobs
