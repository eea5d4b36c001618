// W3C Trace Context: ids, the traceparent header, and the thread's current span.
#include <random>
#include <thread>

#include "obs/trace.hpp"
#include "obs/trace_internal.hpp"

namespace ov::obs {
namespace {

constexpr char kHex[] = "0123456789abcdef";

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
  std::string out(N * 2, '0');
  for (std::size_t i = 0; i < N; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xF];
  }
  return out;
}

int hex_digit(char c) {  // lower-case only, as the header requires
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

template <std::size_t N>
bool parse_hex(std::string_view text, std::array<std::uint8_t, N>& out) {
  if (text.size() != N * 2) return false;
  for (std::size_t i = 0; i < N; ++i) {
    int hi = hex_digit(text[2 * i]), lo = hex_digit(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& bytes) {
  for (auto b : bytes) {
    if (b != 0) return false;
  }
  return true;
}

std::mt19937_64& generator() {
  thread_local std::mt19937_64 g([] {
    std::random_device device;
    std::seed_seq seed{
        device(), device(), device(), device(),
        static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id()))};
    return std::mt19937_64(seed);
  }());
  return g;
}

template <std::size_t N>
void fill_random(std::array<std::uint8_t, N>& out) {
  do {
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t word = generator()();
      for (std::size_t j = 0; j < 8 && i + j < N; ++j) {
        out[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
      }
    }
  } while (all_zero(out));
}

struct Current {
  std::optional<SpanContext> context;
  bool recording = false;
};
thread_local Current t_current;

}  // namespace

bool SpanContext::valid() const {
  return !all_zero(trace_id) && !all_zero(span_id);
}
std::string SpanContext::trace_id_hex() const {
  return hex(trace_id);
}
std::string SpanContext::span_id_hex() const {
  return hex(span_id);
}
std::string SpanContext::traceparent() const {
  return "00-" + hex(trace_id) + "-" + hex(span_id) + (sampled ? "-01" : "-00");
}

std::string to_hex(const TraceId& id) {
  return hex(id);
}
std::string to_hex(const SpanId& id) {
  return hex(id);
}
TraceId new_trace_id() {
  TraceId id;
  fill_random(id);
  return id;
}
SpanId new_span_id() {
  SpanId id;
  fill_random(id);
  return id;
}

std::optional<SpanContext> parse_traceparent(std::string_view header, std::string_view tracestate) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  constexpr std::size_t kLength = 55;
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t')) {
    header.remove_prefix(1);
  }
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t')) {
    header.remove_suffix(1);
  }
  if (header.size() < kLength) return std::nullopt;
  std::array<std::uint8_t, 1> version{}, flags{};
  if (!parse_hex(header.substr(0, 2), version) || version[0] == 0xFF) return std::nullopt;
  // Version 00 is exactly 55 characters; a later version may append fields after a dash.
  if (version[0] == 0 ? header.size() != kLength
                      : header.size() > kLength && header[kLength] != '-') {
    return std::nullopt;
  }
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  SpanContext ctx;
  if (!parse_hex(header.substr(3, 32), ctx.trace_id) ||
      !parse_hex(header.substr(36, 16), ctx.span_id) || !parse_hex(header.substr(53, 2), flags)) {
    return std::nullopt;
  }
  if (!ctx.valid()) return std::nullopt;
  ctx.sampled = (flags[0] & 0x01) != 0;
  if (tracestate.size() <= 512) ctx.trace_state.assign(tracestate);
  return ctx;
}

const SpanContext* current_span() {
  return t_current.context ? &*t_current.context : nullptr;
}

bool current_recording() {
  return t_current.recording;
}

SpanScope::SpanScope(const SpanContext& context, bool recording)
    : previous_(t_current.context), previous_recording_(t_current.recording) {
  if (context.valid()) {
    t_current.context = context;
    t_current.recording = recording;
  }
}

SpanScope::~SpanScope() {
  t_current.context = std::move(previous_);
  t_current.recording = previous_recording_;
}

}  // namespace ov::obs
