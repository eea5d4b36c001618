#pragma once
// The cores the model runs of this process share. A run that finds every core free and nobody
// waiting takes them all (one request alone: the lowest latency, on a session with that many
// intra-op threads); a run that finds them busy waits its turn (first come, first served) and
// then takes one core (several requests: one single-threaded run per core, the most images per
// second). Runs beyond the cores wait here instead of oversubscribing them. Thread-safe; the
// waiting threads are inference threads (job workers, inference slots), never I/O threads.
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace ov::inference {

class CoreBudget {
 public:
  explicit CoreBudget(int cores);
  CoreBudget(const CoreBudget&) = delete;
  CoreBudget& operator=(const CoreBudget&) = delete;

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    int cores() const { return cores_; }  // every core, or 1
    bool all() const;

   private:
    friend class CoreBudget;
    Lease(CoreBudget* budget, int cores) : budget_(budget), cores_(cores) {}
    CoreBudget* budget_;
    int cores_;
  };

  // Blocks until it is this caller's turn and a core is free.
  Lease acquire();

  int total() const { return total_; }
  struct Stats {
    std::uint64_t whole = 0;   // leases of every core
    std::uint64_t single = 0;  // leases of one core
    int running = 0;           // leases held now
    int waiting = 0;           // callers waiting now
  };
  Stats stats() const;

 private:
  void release(int cores);

  const int total_;
  mutable std::mutex mu_;
  std::condition_variable turn_;
  int free_;
  std::uint64_t next_ticket_ = 0;  // handed to the next caller
  std::uint64_t serving_ = 0;      // the ticket whose turn it is
  Stats stats_;
};

}  // namespace ov::inference
