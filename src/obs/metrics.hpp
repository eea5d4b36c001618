#pragma once
// Metrics in the Prometheus text exposition format (0.0.4): counters, gauges and histograms
// with labels, kept in a registry and rendered when /metrics is scraped.
//
// Updating a metric is a few atomic operations; finding the child of a family for a set of
// label values takes one lock of one of the family's shards (children are never removed, so a
// reference stays valid for the registry's life). Values that live elsewhere (queue depth,
// cache counters, process figures) are read at scrape time by collectors.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ov::obs {

class Counter {
 public:
  void add(double amount = 1) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double amount) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& upper_bounds);  // ascending, +Inf implied
  void observe(double v);
  struct Snapshot {
    std::vector<std::uint64_t> cumulative;  // per bound, then +Inf (== count)
    double sum = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0};
};

// Latency buckets in seconds (1 ms to 30 s), for requests and inference.
const std::vector<double>& latency_buckets();

using Labels = std::vector<std::pair<std::string, std::string>>;

// What collectors write at scrape time: whole families, samples grouped under their name.
class Exposition {
 public:
  // Starts a family: `type` is counter, gauge, histogram or untyped.
  void family(std::string_view name, std::string_view help, std::string_view type);
  void sample(double value, const Labels& labels = {});  // of the current family
  const std::string& text() const { return text_; }

  // The same for a sample of another name (a histogram's _bucket, _sum, _count).
  void sample_named(std::string_view name, double value, const Labels& labels);

 private:
  std::string text_;
  std::string current_;
};

enum class Kind { counter, gauge, histogram };

// One metric name with its label names; children by label values.
template <class Child>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  // The child for these label values (as many as label names), made on first use.
  Child& with(std::initializer_list<std::string_view> values);
  void render(Exposition& out) const;
  const std::string& name() const { return name_; }

 private:
  struct Shard {
    mutable std::mutex mu;
    std::map<std::string, std::pair<std::vector<std::string>, std::unique_ptr<Child>>, std::less<>>
        children;
  };
  std::string name_, help_;
  std::vector<std::string> label_names_;
  std::vector<double> bounds_;
  std::array<Shard, 8> shards_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // A family is registered once by name; asking again returns the same one.
  CounterFamily& counter(const std::string& name, const std::string& help,
                         std::vector<std::string> label_names = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help,
                     std::vector<std::string> label_names = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names, std::vector<double> bounds);

  // A collector writes values read at scrape time; it is removed when the handle dies (before
  // what it reads does).
  using Collector = std::function<void(Exposition&)>;
  class Handle {
   public:
    Handle() = default;
    Handle(Registry* registry, std::uint64_t id) : registry_(registry), id_(id) {}
    Handle(Handle&& other) noexcept
        : registry_(std::exchange(other.registry_, nullptr)), id_(other.id_) {}
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle();

   private:
    Registry* registry_ = nullptr;
    std::uint64_t id_ = 0;
  };
  [[nodiscard]] Handle collect(Collector collector);

  std::string render() const;  // the whole exposition, families in registration order

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The process's registry (what /metrics serves).
Registry& metrics();

// Label values from outside (HTTP methods): the known ones, else "other", so that a client
// cannot grow the number of series.
std::string_view method_label(std::string_view method);

}  // namespace ov::obs
