// ExportTraceServiceRequest in the OTLP/HTTP JSON encoding: ids as lower-case hex, 64-bit
// integers as decimal strings, enums as numbers.
#include <fmt/format.h>

#include <cmath>

#include "core/text.hpp"
#include "obs/trace_internal.hpp"

namespace ov::obs {
namespace {

void append_value(std::string& out, const AttributeValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    out += R"({"stringValue":")" + json_escape(*s) + "\"}";
  } else if (const auto* i = std::get_if<std::int64_t>(&value)) {
    out += fmt::format(R"({{"intValue":"{}"}})", *i);
  } else if (const auto* d = std::get_if<double>(&value)) {
    // JSON has no NaN or infinity: those travel as strings, as protobuf's JSON mapping says.
    if (std::isfinite(*d)) {
      out += fmt::format(R"({{"doubleValue":{}}})", *d);
    } else {
      out += std::isnan(*d)
                 ? R"({"doubleValue":"NaN"})"
                 : (*d > 0 ? R"({"doubleValue":"Infinity"})" : R"({"doubleValue":"-Infinity"})");
    }
  } else {
    out += std::get<bool>(value) ? R"({"boolValue":true})" : R"({"boolValue":false})";
  }
}

void append_attributes(std::string& out, const std::vector<Attribute>& attributes) {
  out += '[';
  bool first = true;
  for (const auto& a : attributes) {
    if (!first) out += ',';
    first = false;
    out += R"({"key":")" + json_escape(a.key) + R"(","value":)";
    append_value(out, a.value);
    out += '}';
  }
  out += ']';
}

bool all_zero(const SpanId& id) {
  for (auto b : id) {
    if (b != 0) return false;
  }
  return true;
}

}  // namespace

std::string otlp_json(const std::vector<Attribute>& resource, const std::vector<SpanData>& spans) {
  std::string out = R"({"resourceSpans":[{"resource":{"attributes":)";
  append_attributes(out, resource);
  out += R"(},"scopeSpans":[{"scope":{"name":"objectvision"},"spans":[)";
  bool first = true;
  for (const auto& s : spans) {
    if (!first) out += ',';
    first = false;
    out += fmt::format(R"({{"traceId":"{}","spanId":"{}")", to_hex(s.context.trace_id),
                       to_hex(s.context.span_id));
    if (!all_zero(s.parent)) out += fmt::format(R"(,"parentSpanId":"{}")", to_hex(s.parent));
    if (!s.context.trace_state.empty()) {
      out += R"(,"traceState":")" + json_escape(s.context.trace_state) + "\"";
    }
    out += fmt::format(
        R"(,"name":"{}","kind":{},"startTimeUnixNano":"{}","endTimeUnixNano":"{}","attributes":)",
        json_escape(s.name), static_cast<int>(s.kind), s.start_unix_ns, s.end_unix_ns);
    append_attributes(out, s.attributes);
    // Status: UNSET (0) unless the span failed (ERROR, 2, with its message).
    if (s.error) {
      out += R"(,"status":{"code":2,"message":")" + json_escape(s.status_message) + "\"}";
    }
    out += ",\"flags\":" + std::to_string(s.context.sampled ? 1 : 0) + "}";
  }
  out += "]}]}]}";
  return out;
}

}  // namespace ov::obs
