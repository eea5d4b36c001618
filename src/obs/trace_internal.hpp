#pragma once
// Internal to ov_obs: what the span, the exporter and the encoder share.
#include <memory>
#include <string>

#include "obs/trace.hpp"

namespace ov::obs {

std::string to_hex(const TraceId& id);
std::string to_hex(const SpanId& id);
TraceId new_trace_id();  // random, never all zero
SpanId new_span_id();

// The exporter of the process, or nullptr when tracing is off. Finished spans are handed to
// it; it never blocks the caller.
class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  virtual void push(std::unique_ptr<SpanData> span) = 0;
  // Whether a new root span of this trace id is recorded (the sampler).
  virtual bool sample_root(const TraceId& id) const = 0;
  // Whether a child of a remote or local parent is recorded.
  virtual bool sample_child(const SpanContext& parent) const = 0;
};
SpanExporter* exporter();

}  // namespace ov::obs
