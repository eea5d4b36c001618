// Tracing without an exporter: the W3C traceparent header (the specification's valid and
// invalid forms), what a span continues and what it leaves alone, the thread's current span,
// and the OTLP/HTTP JSON of a batch read back with a JSON parser. The exporter itself is
// tested end to end against a real HTTP endpoint (tests/blackbox/test_tracing.py).
#include "obs/trace.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <set>
#include <string>

namespace ov::obs {
namespace {

namespace json = boost::json;

constexpr const char* kHeader = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(Traceparent, TheSpecificationsExampleIsReadAndWrittenBack) {
  auto ctx = parse_traceparent(kHeader, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace_id_hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ctx->span_id_hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(ctx->sampled);
  EXPECT_EQ(ctx->trace_state, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(ctx->traceparent(), kHeader);
}

TEST(Traceparent, TheSampledFlagIsTheLowestBit) {
  auto off = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  ASSERT_TRUE(off);
  EXPECT_FALSE(off->sampled);
  EXPECT_EQ(off->traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  auto other_bits = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  ASSERT_TRUE(other_bits);
  EXPECT_TRUE(other_bits->sampled);
}

TEST(Traceparent, MalformedHeadersStartANewTrace) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",         // no flags
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-",     // v00 is 55 long
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",      // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",      // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",      // zero span id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // forbidden version
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // separator
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",      // not hex
           "0-04bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",      // short version
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x123",  // no dash after
       }) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

TEST(Traceparent, ALaterVersionIsReadAsVersionZero) {
  auto ctx = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->traceparent(), kHeader);
  EXPECT_TRUE(parse_traceparent(std::string(" ") + kHeader + "\t")) << "blanks around";
}

TEST(Traceparent, AnOverlongTracestateIsDropped) {
  auto ctx = parse_traceparent(kHeader, std::string(513, 'a'));
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace_state, "");
}

TEST(Span, WithoutAnExporterACallersTraceIsContinuedButNothingRecorded) {
  ASSERT_FALSE(tracing_enabled()) << "this test binary never starts an exporter";
  auto caller = parse_traceparent(kHeader, "k=v");
  Span span = Span::start("GET /x", SpanKind::server, &*caller);
  EXPECT_FALSE(span.recording());
  ASSERT_TRUE(span.context().valid());
  EXPECT_EQ(span.context().trace_id, caller->trace_id);
  EXPECT_NE(span.context().span_id, caller->span_id) << "a span of its own";
  EXPECT_TRUE(span.context().sampled) << "the caller's decision goes on";
  EXPECT_EQ(span.context().trace_state, "k=v");
  span.set("ignored", std::int64_t{1});  // harmless without data
  span.end();
}

TEST(Span, WithoutAnExporterOrACallerThereIsNoTrace) {
  Span span = Span::start("GET /x", SpanKind::server, nullptr);
  EXPECT_FALSE(span.context().valid());
  EXPECT_FALSE(span.recording());
}

TEST(Span, SpanIdsAreDistinct) {
  auto caller = parse_traceparent(kHeader);
  std::set<std::string> ids;
  for (int i = 0; i < 1000; ++i) {
    ids.insert(Span::start("s", SpanKind::internal, &*caller).context().span_id_hex());
  }
  EXPECT_EQ(ids.size(), 1000u);
}

TEST(SpanScope, TheCurrentSpanNestsAndComesBack) {
  EXPECT_EQ(current_span(), nullptr);
  auto outer = parse_traceparent(kHeader);
  {
    SpanScope a(*outer, false);
    ASSERT_NE(current_span(), nullptr);
    EXPECT_EQ(current_span()->span_id_hex(), "00f067aa0ba902b7");
    auto inner = parse_traceparent("00-11111111111111111111111111111111-2222222222222222-01");
    {
      SpanScope b(*inner, false);
      EXPECT_EQ(current_span()->span_id_hex(), "2222222222222222");
      {
        SpanScope none(SpanContext{}, false);  // nothing: the current span stays
        EXPECT_EQ(current_span()->span_id_hex(), "2222222222222222");
        ScopedSpan not_recorded("db");  // a child of a span not recorded is nothing too
        EXPECT_EQ(current_span()->span_id_hex(), "2222222222222222");
      }
      EXPECT_EQ(current_span()->span_id_hex(), "2222222222222222");
    }
    EXPECT_EQ(current_span()->span_id_hex(), "00f067aa0ba902b7");
    // Not recording: children are nothing, so database calls make no spans.
    EXPECT_FALSE(current_recording());
    Span child = Span::child("db");
    EXPECT_FALSE(child.context().valid());
  }
  EXPECT_EQ(current_span(), nullptr);
}

TEST(OtlpJson, ABatchHasTheShapeCollectorsRead) {
  SpanData root;
  root.context = *parse_traceparent(kHeader, "k=v");
  root.name = "POST /api/v1/detect/image";
  root.kind = SpanKind::server;
  root.start_unix_ns = 1'700'000'000'123'456'789;
  root.end_unix_ns = 1'700'000'000'223'456'789;
  root.attributes = {{"http.response.status_code", std::int64_t{202}},
                     {"url.path", std::string("/a\"b\n")},
                     {"ratio", 0.5},
                     {"cached", true}};
  SpanData child;
  child.context = *parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-1111111111111111-01");
  child.parent = root.context.span_id;
  child.name = "INSERT";
  child.kind = SpanKind::client;
  child.start_unix_ns = 1;
  child.end_unix_ns = 2;
  child.error = true;
  child.status_message = "disk full";
  const std::string text =
      otlp_json({{"service.name", std::string("objectvision")}, {"process.pid", std::int64_t{42}}},
                {root, child});
  json::value doc = json::parse(text);
  const auto& rs = doc.at("resourceSpans").as_array().at(0);
  const auto& resource = rs.at("resource").at("attributes").as_array();
  EXPECT_EQ(resource.at(0).at("key"), "service.name");
  EXPECT_EQ(resource.at(0).at("value").at("stringValue"), "objectvision");
  EXPECT_EQ(resource.at(1).at("value").at("intValue"), "42") << "int64 travels as a string";
  const auto& spans = rs.at("scopeSpans").as_array().at(0).at("spans").as_array();
  ASSERT_EQ(spans.size(), 2u);
  const auto& a = spans.at(0);
  EXPECT_EQ(a.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(a.at("spanId"), "00f067aa0ba902b7");
  EXPECT_FALSE(a.as_object().contains("parentSpanId")) << "a root span";
  EXPECT_EQ(a.at("traceState"), "k=v");
  EXPECT_EQ(a.at("name"), "POST /api/v1/detect/image");
  EXPECT_EQ(a.at("kind"), 2);
  EXPECT_EQ(a.at("startTimeUnixNano"), "1700000000123456789");
  EXPECT_EQ(a.at("endTimeUnixNano"), "1700000000223456789");
  EXPECT_FALSE(a.as_object().contains("status")) << "unset unless it failed";
  const auto& attrs = a.at("attributes").as_array();
  EXPECT_EQ(attrs.at(0).at("value").at("intValue"), "202");
  EXPECT_EQ(attrs.at(1).at("value").at("stringValue"), "/a\"b\n");
  EXPECT_EQ(attrs.at(2).at("value").at("doubleValue"), 0.5);
  EXPECT_EQ(attrs.at(3).at("value").at("boolValue"), true);
  const auto& b = spans.at(1);
  EXPECT_EQ(b.at("parentSpanId"), "00f067aa0ba902b7");
  EXPECT_EQ(b.at("kind"), 3);
  EXPECT_EQ(b.at("status").at("code"), 2);
  EXPECT_EQ(b.at("status").at("message"), "disk full");
}

}  // namespace
}  // namespace ov::obs
