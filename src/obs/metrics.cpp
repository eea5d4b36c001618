#include "obs/metrics.hpp"

#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>
#include <variant>

#include <fmt/format.h>

#include "obs/process_stats.hpp"

namespace ov::obs {
namespace {

// Label values escape backslash, double quote and newline; HELP text backslash and newline.
void append_escaped(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (quote && c == '"') {
      out += "\\\"";
    } else {
      out += c;
    }
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else if (v == std::floor(v) && std::fabs(v) < 1e15) {
    out += fmt::format("{}", static_cast<std::int64_t>(v));
  } else {
    out += fmt::format("{}", v);
  }
}

std::string bound_text(double bound) {
  std::string s;
  append_value(s, bound);
  return s;
}

}  // namespace

// ---- Histogram --------------------------------------------------------------------------

Histogram::Histogram(const std::vector<double>& upper_bounds)
    : bounds_(upper_bounds),
      buckets_(std::make_unique<std::atomic<std::uint64_t>[]>(upper_bounds.size() + 1)) {}

void Histogram::observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.cumulative.resize(bounds_.size() + 1);
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

const std::vector<double>& latency_buckets() {
  static const std::vector<double> buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                           0.25,  0.5,    1,     2.5,  5,     10,   30};
  return buckets;
}

// ---- Exposition -------------------------------------------------------------------------

void Exposition::family(std::string_view name, std::string_view help, std::string_view type) {
  current_ = name;
  text_ += "# HELP ";
  text_ += name;
  text_ += ' ';
  append_escaped(text_, help, false);
  text_ += "\n# TYPE ";
  text_ += name;
  text_ += ' ';
  text_ += type;
  text_ += '\n';
}

void Exposition::sample(double value, const Labels& labels) {
  sample_named(current_, value, labels);
}

void Exposition::sample_named(std::string_view name, double value, const Labels& labels) {
  text_ += name;
  if (!labels.empty()) {
    text_ += '{';
    bool first = true;
    for (const auto& [key, label_value] : labels) {
      if (!first) text_ += ',';
      first = false;
      text_ += key;
      text_ += "=\"";
      append_escaped(text_, label_value, true);
      text_ += '"';
    }
    text_ += '}';
  }
  text_ += ' ';
  append_value(text_, value);
  text_ += '\n';
}

// ---- Family -----------------------------------------------------------------------------

template <class Child>
Child& Family<Child>::with(std::initializer_list<std::string_view> values) {
  std::string key;
  for (std::string_view v : values) {
    key += v;
    key += '\x1f';
  }
  Shard& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mu);
  auto it = shard.children.find(key);
  if (it != shard.children.end()) return *it->second.second;
  std::unique_ptr<Child> child;
  if constexpr (std::is_same_v<Child, Histogram>) {
    child = std::make_unique<Histogram>(bounds_);
  } else {
    child = std::make_unique<Child>();
  }
  Child& made = *child;
  shard.children.emplace(
      std::move(key),
      std::pair{std::vector<std::string>(values.begin(), values.end()), std::move(child)});
  return made;
}

template <class Child>
void Family<Child>::render(Exposition& out) const {
  const char* type = std::is_same_v<Child, Counter> ? "counter"
                     : std::is_same_v<Child, Gauge> ? "gauge"
                                                    : "histogram";
  out.family(name_, help_, type);
  // Children in a stable order (by label values), whichever shard holds them.
  std::map<std::vector<std::string>, const Child*> ordered;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    for (const auto& [key, entry] : shard.children)
      ordered.emplace(entry.first, entry.second.get());
  }
  for (const auto& [values, child] : ordered) {
    Labels labels;
    for (std::size_t i = 0; i < label_names_.size() && i < values.size(); ++i) {
      labels.emplace_back(label_names_[i], values[i]);
    }
    if constexpr (std::is_same_v<Child, Histogram>) {
      const auto snap = child->snapshot();
      const auto& bounds = child->bounds();
      for (std::size_t i = 0; i <= bounds.size(); ++i) {
        Labels with_le = labels;
        with_le.emplace_back("le", i < bounds.size() ? bound_text(bounds[i]) : "+Inf");
        out.sample_named(name_ + "_bucket", static_cast<double>(snap.cumulative[i]), with_le);
      }
      out.sample_named(name_ + "_sum", snap.sum, labels);
      out.sample_named(name_ + "_count", static_cast<double>(snap.cumulative.back()), labels);
    } else {
      out.sample(child->value(), labels);
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Registry ---------------------------------------------------------------------------

struct Registry::Impl {
  mutable std::mutex mu;
  // Families and collectors in registration order; collectors may come and go.
  using Entry = std::variant<std::unique_ptr<CounterFamily>, std::unique_ptr<GaugeFamily>,
                             std::unique_ptr<HistogramFamily>, std::uint64_t>;
  std::vector<Entry> entries;
  std::map<std::string, std::size_t> by_name;  // family name -> entries index
  std::map<std::uint64_t, Collector> collectors;
  std::uint64_t next_collector = 1;
  Handle process;

  template <class F>
  F& find_or_add(const std::string& name, std::unique_ptr<F> made) {
    std::lock_guard lock(mu);
    if (auto it = by_name.find(name); it != by_name.end()) {
      if (auto* existing = std::get_if<std::unique_ptr<F>>(&entries[it->second])) {
        return **existing;
      }
      throw std::logic_error("metric " + name + " is registered with another type");
    }
    F& ref = *made;
    by_name.emplace(name, entries.size());
    entries.emplace_back(std::move(made));
    return ref;
  }
};

Registry::Registry() : impl_(std::make_unique<Impl>()) {
  impl_->process = collect(write_process_metrics);
}

Registry::~Registry() = default;

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names) {
  return impl_->find_or_add(name,
                            std::make_unique<CounterFamily>(name, help, std::move(label_names)));
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names) {
  return impl_->find_or_add(name,
                            std::make_unique<GaugeFamily>(name, help, std::move(label_names)));
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  return impl_->find_or_add(name, std::make_unique<HistogramFamily>(
                                      name, help, std::move(label_names), std::move(bounds)));
}

Registry::Handle Registry::collect(Collector collector) {
  std::lock_guard lock(impl_->mu);
  const std::uint64_t id = impl_->next_collector++;
  impl_->collectors.emplace(id, std::move(collector));
  impl_->entries.emplace_back(id);
  return Handle(this, id);
}

Registry::Handle& Registry::Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    Handle gone(std::move(*this));
    registry_ = std::exchange(other.registry_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

Registry::Handle::~Handle() {
  if (registry_ == nullptr) return;
  auto& impl = *registry_->impl_;
  std::lock_guard lock(impl.mu);
  impl.collectors.erase(id_);
  std::erase_if(impl.entries, [this](const Impl::Entry& e) {
    const auto* id = std::get_if<std::uint64_t>(&e);
    return id != nullptr && *id == id_;
  });
  impl.by_name.clear();  // indexes moved: rebuild
  for (std::size_t i = 0; i < impl.entries.size(); ++i) {
    std::visit(
        [&](const auto& entry) {
          if constexpr (!std::is_same_v<std::decay_t<decltype(entry)>, std::uint64_t>) {
            impl.by_name.emplace(entry->name(), i);
          }
        },
        impl.entries[i]);
  }
}

std::string Registry::render() const {
  Exposition out;
  // Collectors run under the lock: a collector's handle cannot be destroyed while it runs.
  std::lock_guard lock(impl_->mu);
  for (const auto& entry : impl_->entries) {
    std::visit(
        [&](const auto& e) {
          if constexpr (std::is_same_v<std::decay_t<decltype(e)>, std::uint64_t>) {
            impl_->collectors.at(e)(out);
          } else {
            e->render(out);
          }
        },
        entry);
  }
  return out.text();
}

Registry& metrics() {
  // Never destroyed: threads still updating metrics while the process exits find it there.
  static Registry& registry = *new Registry;
  return registry;
}

std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

}  // namespace ov::obs
