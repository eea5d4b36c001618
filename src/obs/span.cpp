// Spans: a context always, data only when recorded.
#include "obs/trace_internal.hpp"

namespace ov::obs {
namespace {

std::int64_t unix_ns(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace

Span Span::start(std::string_view name, SpanKind kind, const SpanContext* parent,
                 std::optional<std::chrono::system_clock::time_point> start) {
  Span span;
  SpanExporter* out = exporter();
  const bool has_parent = parent != nullptr && parent->valid();
  if (!has_parent && out == nullptr) return span;  // nothing to continue, nothing to record
  span.context_.span_id = new_span_id();
  bool record = false;
  if (has_parent) {
    span.context_.trace_id = parent->trace_id;
    span.context_.trace_state = parent->trace_state;
    record = out != nullptr && out->sample_child(*parent);
    // Without an exporter the caller's decision is passed on unchanged.
    span.context_.sampled = out != nullptr ? record : parent->sampled;
  } else {
    span.context_.trace_id = new_trace_id();
    record = out->sample_root(span.context_.trace_id);
    span.context_.sampled = record;
  }
  if (record) {
    span.data_ = std::make_unique<SpanData>();
    span.data_->context = span.context_;
    if (has_parent) span.data_->parent = parent->span_id;
    span.data_->name.assign(name);
    span.data_->kind = kind;
    span.data_->start_unix_ns = unix_ns(start.value_or(std::chrono::system_clock::now()));
  }
  return span;
}

Span Span::child(std::string_view name, SpanKind kind) {
  if (!current_recording()) return Span();
  return start(name, kind, current_span());
}

Span::Span(Span&& other) noexcept
    : context_(std::move(other.context_)), data_(std::move(other.data_)) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
  }
  return *this;
}

Span::~Span() {
  end();
}

void Span::rename(std::string_view name) {
  if (data_) data_->name.assign(name);
}

void Span::set(std::string_view key, std::string_view value) {
  if (data_) data_->attributes.push_back({std::string(key), std::string(value)});
}
void Span::set(std::string_view key, std::int64_t value) {
  if (data_) data_->attributes.push_back({std::string(key), value});
}
void Span::set(std::string_view key, double value) {
  if (data_) data_->attributes.push_back({std::string(key), value});
}
void Span::set(std::string_view key, bool value) {
  if (data_) data_->attributes.push_back({std::string(key), value});
}

void Span::abandon() {
  data_.reset();
}

void Span::fail(std::string_view message) {
  if (!data_) return;
  data_->error = true;
  data_->status_message.assign(message);
}

void Span::end(std::optional<std::chrono::system_clock::time_point> at) {
  if (!data_) return;
  data_->end_unix_ns = unix_ns(at.value_or(std::chrono::system_clock::now()));
  if (data_->end_unix_ns < data_->start_unix_ns) data_->end_unix_ns = data_->start_unix_ns;
  if (SpanExporter* out = exporter()) out->push(std::move(data_));
  data_.reset();
}

}  // namespace ov::obs
