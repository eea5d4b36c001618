// The batch span exporter: finished spans wait in a bounded queue and leave in batches as
// OTLP/HTTP JSON, POSTed by one thread with libcurl. A full queue drops the span (counted);
// a failed export is retried a few times with backoff (the network, 429, 502, 503, 504), then
// dropped (counted and logged, at most every 10 s).
#include <curl/curl.h>

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "obs/metrics.hpp"
#include "obs/trace_internal.hpp"

namespace ov::obs {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Counters {
  Counter& exported;
  Counter& dropped;
  Counter& failed;
};

Counters& counters() {
  static auto& spans = metrics().counter("objectvision_trace_spans_total",
                                         "Spans finished, by what became of them: exported, "
                                         "dropped (the queue was full) or failed (the export "
                                         "failed after its retries).",
                                         {"result"});
  static Counters c{spans.with({"exported"}), spans.with({"dropped"}), spans.with({"failed"})};
  return c;
}

// A ratio sampler decides on the trace id alone, so that every process decides alike.
bool ratio_admits(const TraceId& id, double ratio) {
  if (ratio >= 1.0) return true;
  if (ratio <= 0.0) return false;
  std::uint64_t low = 0;
  for (std::size_t i = 8; i < 16; ++i) low = low << 8 | id[i];
  return static_cast<double>(low >> 11) < ratio * static_cast<double>(std::uint64_t{1} << 53);
}

std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
  return size * count;
}

class OtlpExporter final : public SpanExporter {
 public:
  explicit OtlpExporter(TracingSettings settings) : settings_(std::move(settings)) {
    if (settings_.max_batch == 0) settings_.max_batch = 1;
    if (settings_.max_queue < settings_.max_batch) settings_.max_queue = settings_.max_batch;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    counters();
    thread_ = std::thread([this] { run(); });
  }

  ~OtlpExporter() override { stop(); }

  void push(std::unique_ptr<SpanData> span) override {
    {
      std::lock_guard lock(mu_);
      if (stopping_ || queue_.size() >= settings_.max_queue) {
        counters().dropped.add();
        return;
      }
      queue_.push_back(std::move(span));
      if (queue_.size() < settings_.max_batch) return;
    }
    wake_.notify_one();
  }

  bool sample_root(const TraceId& id) const override {
    const std::string& s = settings_.sampler;
    if (s == "always_off" || s == "parentbased_always_off") return false;
    if (s == "traceidratio" || s == "parentbased_traceidratio") {
      return ratio_admits(id, settings_.sampler_ratio);
    }
    return true;
  }

  bool sample_child(const SpanContext& parent) const override {
    const std::string& s = settings_.sampler;
    if (s.starts_with("parentbased_")) return parent.sampled;
    return sample_root(parent.trace_id);
  }

  void stop() {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void run() {
    std::unique_lock lock(mu_);
    for (;;) {
      wake_.wait_for(lock, settings_.schedule_delay,
                     [&] { return stopping_ || queue_.size() >= settings_.max_batch; });
      while (!queue_.empty()) {
        std::vector<SpanData> batch;
        batch.reserve(std::min(queue_.size(), settings_.max_batch));
        while (!queue_.empty() && batch.size() < settings_.max_batch) {
          batch.push_back(std::move(*queue_.front()));
          queue_.pop_front();
        }
        const bool last_round = stopping_;
        lock.unlock();
        send(batch, last_round);
        lock.lock();
        if (!stopping_ && queue_.size() < settings_.max_batch) break;  // wait for more
      }
      if (stopping_ && queue_.empty()) return;
    }
  }

  void send(const std::vector<SpanData>& batch, bool last_round) {
    const std::string body = otlp_json(settings_.resource, batch);
    // At shutdown one attempt only: a collector that is down must not hold the exit.
    const int attempts = last_round ? 1 : 3;
    std::string problem;
    for (int attempt = 1; attempt <= attempts; ++attempt) {
      bool retryable = false;
      problem = post(body, retryable);
      if (problem.empty()) {
        counters().exported.add(static_cast<double>(batch.size()));
        return;
      }
      if (!retryable || attempt == attempts) break;
      std::unique_lock lock(mu_);
      if (wake_.wait_for(lock, std::chrono::milliseconds(500) * attempt,
                         [&] { return stopping_; })) {
        break;
      }
    }
    counters().failed.add(static_cast<double>(batch.size()));
    const auto now = SteadyClock::now();
    if (now - last_warning_ >= std::chrono::seconds(10)) {
      last_warning_ = now;
      spdlog::warn("tracing: {} span(s) not exported to {}: {}", batch.size(), settings_.endpoint,
                   problem);
    }
  }

  // "" when the collector took the batch; otherwise what went wrong.
  std::string post(const std::string& body, bool& retryable) {
    CURL* h = curl_easy_init();
    if (h == nullptr) return "curl_easy_init failed";
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    for (const auto& [name, value] : settings_.headers) {
      headers = curl_slist_append(headers, (name + ": " + value).c_str());
    }
    curl_easy_setopt(h, CURLOPT_URL, settings_.endpoint.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.export_timeout.count()));
    curl_easy_setopt(
        h, CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(std::min<std::int64_t>(settings_.export_timeout.count(), 5000)));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    CURLcode rc = curl_easy_perform(h);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (rc != CURLE_OK) {
      retryable = true;
      return curl_easy_strerror(rc);
    }
    if (status >= 200 && status < 300) return "";
    retryable = status == 429 || status == 502 || status == 503 || status == 504;
    return "HTTP " + std::to_string(status);
  }

  TracingSettings settings_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::deque<std::unique_ptr<SpanData>> queue_;
  bool stopping_ = false;
  SteadyClock::time_point last_warning_{};
  std::thread thread_;
};

// Set once by init_tracing before any span; the exporter lives until the process exits.
std::atomic<OtlpExporter*> g_exporter{nullptr};

}  // namespace

SpanExporter* exporter() {
  return g_exporter.load(std::memory_order_acquire);
}

bool tracing_enabled() {
  return exporter() != nullptr;
}

void init_tracing(TracingSettings settings) {
  if (settings.endpoint.empty() || g_exporter.load() != nullptr) return;
  static OtlpExporter* instance = new OtlpExporter(std::move(settings));  // never freed: spans
  g_exporter.store(instance, std::memory_order_release);  // may end during static destruction
}

void shutdown_tracing() {
  if (OtlpExporter* e = g_exporter.load()) e->stop();
}

}  // namespace ov::obs
