// The Prometheus registry: the text it renders (checked line by line against the format),
// histograms against a naive count, label escaping, collectors that come and go, and counts
// that add up when many threads update the same children.
#include "obs/metrics.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace ov::obs {
namespace {

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool has_line(const std::string& text, const std::string& line) {
  for (const auto& l : lines(text)) {
    if (l == line) return true;
  }
  return false;
}

TEST(Metrics, CountersRenderWithHelpTypeAndLabels) {
  Registry r;
  auto& requests = r.counter("t_requests_total", "Requests.", {"route", "status"});
  requests.with({"/a", "200"}).add();
  requests.with({"/a", "200"}).add(2);
  requests.with({"/b/{id}", "404"}).add();
  const std::string text = r.render();
  EXPECT_TRUE(has_line(text, "# HELP t_requests_total Requests.")) << text;
  EXPECT_TRUE(has_line(text, "# TYPE t_requests_total counter")) << text;
  EXPECT_TRUE(has_line(text, "t_requests_total{route=\"/a\",status=\"200\"} 3")) << text;
  EXPECT_TRUE(has_line(text, "t_requests_total{route=\"/b/{id}\",status=\"404\"} 1")) << text;
}

TEST(Metrics, AFamilyIsRegisteredOnceAndTypesDoNotMix) {
  Registry r;
  auto& a = r.counter("t_x_total", "X.");
  auto& b = r.counter("t_x_total", "X.");
  EXPECT_EQ(&a, &b);
  EXPECT_THROW(r.gauge("t_x_total", "X."), std::logic_error);
}

TEST(Metrics, LabelValuesAndHelpAreEscaped) {
  Registry r;
  r.gauge("t_g", "Help with \\ and\nnewline.", {"v"}).with({"a\"b\\c\nd"}).set(1.5);
  const std::string text = r.render();
  EXPECT_TRUE(has_line(text, "# HELP t_g Help with \\\\ and\\nnewline.")) << text;
  EXPECT_TRUE(has_line(text, "t_g{v=\"a\\\"b\\\\c\\nd\"} 1.5")) << text;
}

TEST(Metrics, HistogramBucketsAreCumulativeAndMatchANaiveCount) {
  Registry r;
  const std::vector<double> bounds{0.1, 0.5, 1, 5};
  auto& h = r.histogram("t_seconds", "Durations.", {"op"}, bounds).with({"x"});
  const std::vector<double> values{0.05, 0.1, 0.2, 0.5, 0.7, 1, 3, 7, 100, 0};
  double sum = 0;
  for (double v : values) {
    h.observe(v);
    sum += v;
  }
  const std::string text = r.render();
  for (double bound : bounds) {
    int naive = 0;
    for (double v : values) naive += v <= bound ? 1 : 0;
    std::ostringstream le;
    le << bound;
    EXPECT_TRUE(has_line(
        text, "t_seconds_bucket{op=\"x\",le=\"" + le.str() + "\"} " + std::to_string(naive)))
        << bound << "\n"
        << text;
  }
  EXPECT_TRUE(has_line(text, "t_seconds_bucket{op=\"x\",le=\"+Inf\"} 10")) << text;
  EXPECT_TRUE(has_line(text, "t_seconds_count{op=\"x\"} 10")) << text;
  EXPECT_NEAR(h.snapshot().sum, sum, 1e-9);
  EXPECT_TRUE(has_line(text, "# TYPE t_seconds histogram")) << text;
}

TEST(Metrics, CollectorsWriteAtScrapeTimeUntilTheirHandleDies) {
  Registry r;
  double depth = 4;
  {
    auto handle = r.collect([&depth](Exposition& out) {
      out.family("t_depth", "Depth.", "gauge");
      out.sample(depth);
    });
    EXPECT_TRUE(has_line(r.render(), "t_depth 4"));
    depth = 7;
    EXPECT_TRUE(has_line(r.render(), "t_depth 7"));
  }
  EXPECT_EQ(r.render().find("t_depth"), std::string::npos);
  r.counter("t_after_total", "After.").with({}).add();  // registration still works afterwards
  EXPECT_TRUE(has_line(r.render(), "t_after_total 1"));
}

TEST(Metrics, ProcessFiguresAreThere) {
  Registry r;
  const std::string text = r.render();
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_open_fds", "process_threads", "process_start_time_seconds"}) {
    EXPECT_TRUE(has_line(text, std::string("# TYPE ") + name +
                                   (std::string(name).ends_with("_total") ? " counter" : " gauge")))
        << name << "\n"
        << text;
  }
}

TEST(Metrics, ConcurrentUpdatesAddUp) {
  Registry r;
  auto& family = r.counter("t_c_total", "C.", {"k"});
  auto& hist = r.histogram("t_h", "H.", {}, {1.0});
  constexpr int kThreads = 4, kEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        family.with({i % 2 == 0 ? "even" : "odd"}).add();
        hist.with({}).observe(t);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(family.with({"even"}).value() + family.with({"odd"}).value(), kThreads * kEach);
  EXPECT_EQ(hist.with({}).snapshot().cumulative.back(),
            static_cast<std::uint64_t>(kThreads * kEach));
}

TEST(Metrics, UnknownMethodsShareOneLabel) {
  EXPECT_EQ(method_label("GET"), "GET");
  EXPECT_EQ(method_label("PATCH"), "PATCH");
  EXPECT_EQ(method_label("BREW"), "other");
  EXPECT_EQ(method_label("get"), "other");
}

}  // namespace
}  // namespace ov::obs
