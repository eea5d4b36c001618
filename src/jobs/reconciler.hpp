#pragma once
// Runs Lifecycle::reconcile every period, once across all processes and nodes: each round
// first takes the "jobs.reconcile" lease (storage::LeaseRepository, for a little longer than a
// period), so that of many serve and worker processes one reconciles at a time. A thread of its
// own; stop() (or the destructor) ends it.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace ov::storage {
class LeaseRepository;
}

namespace ov::jobs {

class Lifecycle;

class Reconciler {
 public:
  Reconciler(Lifecycle& lifecycle, storage::LeaseRepository& leases, std::string holder,
             std::chrono::milliseconds period);
  ~Reconciler();
  Reconciler(const Reconciler&) = delete;
  Reconciler& operator=(const Reconciler&) = delete;

  void start();
  void stop();
  // One round now, lease permitting (tests, and the first round at start).
  void run_once();

 private:
  void loop();

  Lifecycle& lifecycle_;
  storage::LeaseRepository& leases_;
  const std::string holder_;
  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ov::jobs
