#pragma once
// Distributed tracing: W3C Trace Context in, spans out as OTLP/HTTP JSON.
//
// A request's `traceparent` / `tracestate` are continued (or a trace is started), and the
// context travels with what the request causes: the job row carries it to the worker, the mail
// row to the sender. Spans are made where the work is — the request, each database call,
// queueing, decode, inference, storage, sending mail — and the exporter (otlp_exporter.cpp)
// ships them in batches from a bounded queue on its own thread: finishing a span never waits
// on the network, and a full queue drops spans (counted) instead of growing.
//
// The thread's current span (SpanScope) is the parent of the spans started on that thread
// and is named in every log line written there (trace_id, span_id).
//
// Without an exporter nothing is recorded; a context that came in is still continued, so log
// lines and jobs carry the caller's trace id.
#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ov::obs {

using TraceId = std::array<std::uint8_t, 16>;
using SpanId = std::array<std::uint8_t, 8>;

struct SpanContext {
  TraceId trace_id{};
  SpanId span_id{};
  bool sampled = false;
  std::string trace_state;  // the caller's tracestate, passed on unchanged

  bool valid() const;  // neither id all zero
  std::string trace_id_hex() const;
  std::string span_id_hex() const;
  std::string traceparent() const;  // "00-<trace id>-<span id>-<flags>"
};

// A W3C traceparent header (version 00, or a later version read as 00); nullopt when it is
// malformed, so that the caller starts a new trace. `tracestate` is kept when it is at most
// 512 characters (the list members are not interpreted).
std::optional<SpanContext> parse_traceparent(std::string_view traceparent,
                                             std::string_view tracestate = {});

enum class SpanKind { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };

using AttributeValue = std::variant<std::string, std::int64_t, double, bool>;
struct Attribute {
  std::string key;
  AttributeValue value;
};

// A finished span, as the exporter sends it.
struct SpanData {
  SpanContext context;
  SpanId parent{};  // all zero for a root span
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::int64_t start_unix_ns = 0, end_unix_ns = 0;
  std::vector<Attribute> attributes;
  bool error = false;
  std::string status_message;
};

// One span. Recording (its data goes to the exporter when it ends) only when tracing is on and
// its trace is sampled; otherwise it costs a context and does nothing. Movable; ends when
// destroyed unless end() was called.
class Span {
 public:
  Span() = default;  // no span: every call does nothing
  // A child of `parent` (a remote caller's context or a local span's), or a new root span
  // when there is none. `start` defaults to now.
  static Span start(std::string_view name, SpanKind kind, const SpanContext* parent,
                    std::optional<std::chrono::system_clock::time_point> start = std::nullopt);
  // A child of the thread's current span; a Span that does nothing when there is none or it
  // is not recorded (database calls and the like never start traces of their own).
  static Span child(std::string_view name, SpanKind kind = SpanKind::internal);

  Span(Span&& other) noexcept;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;
  ~Span();

  bool recording() const { return data_ != nullptr; }
  const SpanContext& context() const { return context_; }

  void rename(std::string_view name);
  void set(std::string_view key, std::string_view value);
  void set(std::string_view key, const char* value) { set(key, std::string_view(value)); }
  void set(std::string_view key, std::int64_t value);
  void set(std::string_view key, int value) { set(key, static_cast<std::int64_t>(value)); }
  void set(std::string_view key, double value);
  void set(std::string_view key, bool value);
  void fail(std::string_view message);  // status ERROR with this message
  void end(std::optional<std::chrono::system_clock::time_point> at = std::nullopt);
  void abandon();  // ends it without recording it (work that will be redone under a new span)

 private:
  SpanContext context_;
  std::unique_ptr<SpanData> data_;
};

// The thread's current span context (nullptr: none), and whether spans under it are recorded.
const SpanContext* current_span();
bool current_recording();

// Makes a span (or a bare context) the thread's current one for a scope; the previous one
// comes back at the end. A span that is nothing (no trace, or a child not recorded) leaves the
// current one as it is: the work under it stays in its caller's trace, for log lines and for
// what it hands on (a job, a mail).
class SpanScope {
 public:
  explicit SpanScope(const Span& span) : SpanScope(span.context(), span.recording()) {}
  SpanScope(const SpanContext& context, bool recording);
  ~SpanScope();
  SpanScope(const SpanScope&) = delete;
  SpanScope& operator=(const SpanScope&) = delete;

 private:
  std::optional<SpanContext> previous_;
  bool previous_recording_ = false;
};

// A child of the thread's current span that is the current span for its scope: for nested
// work on one thread (a database call, decoding, inference).
class ScopedSpan {
 public:
  explicit ScopedSpan(std::string_view name, SpanKind kind = SpanKind::internal)
      : span_(Span::child(name, kind)), scope_(span_) {}
  Span* operator->() { return &span_; }
  Span& span() { return span_; }

 private:
  Span span_;
  SpanScope scope_;
};

// OTEL_* settings (the names of the OpenTelemetry SDK's environment variables).
struct TracingSettings {
  std::string endpoint;  // the full URL spans are POSTed to (.../v1/traces); empty: off
  std::map<std::string, std::string> headers;  // OTEL_EXPORTER_OTLP_HEADERS
  std::vector<Attribute> resource;             // service.name and the rest
  std::string sampler = "parentbased_always_on";
  double sampler_ratio = 1.0;
  std::chrono::milliseconds schedule_delay{5000};  // a batch leaves at least this often
  std::size_t max_queue = 2048;
  std::size_t max_batch = 512;
  std::chrono::milliseconds export_timeout{10000};
};

// Starts the exporter (once, from main, before any span); a no-op when the endpoint is empty.
void init_tracing(TracingSettings settings);
// Sends what is queued (waiting up to the export timeout) and stops the exporter.
void shutdown_tracing();
bool tracing_enabled();

// OTLP/HTTP JSON of one export request (ExportTraceServiceRequest).
std::string otlp_json(const std::vector<Attribute>& resource, const std::vector<SpanData>& spans);

}  // namespace ov::obs
