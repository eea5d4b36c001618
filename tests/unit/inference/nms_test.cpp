// NMS against a naive reference implementation, table-driven and on random boxes.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "inference/nms.hpp"

namespace ov::inference {
namespace {

// The textbook definition: repeatedly take the best remaining box, drop those overlapping it.
std::vector<Candidate> naive_nms(std::vector<Candidate> c, float thr, bool agnostic,
                                 std::size_t max_det) {
  std::vector<Candidate> out;
  while (!c.empty() && out.size() < max_det) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < c.size(); ++i) {
      if (c[i].score > c[best].score) best = i;
    }
    Candidate top = c[best];
    c.erase(c.begin() + static_cast<long>(best));
    out.push_back(top);
    std::vector<Candidate> rest;
    for (const auto& x : c) {
      const double iw = std::min(top.box.x2, x.box.x2) - std::max(top.box.x1, x.box.x1);
      const double ih = std::min(top.box.y2, x.box.y2) - std::max(top.box.y1, x.box.y1);
      const double inter = iw > 0 && ih > 0 ? iw * ih : 0;
      const double uni =
          top.box.width() * top.box.height() + x.box.width() * x.box.height() - inter;
      const bool same = agnostic || x.class_id == top.class_id;
      if (!(same && inter / uni > thr)) rest.push_back(x);
    }
    c = rest;
  }
  return out;
}

TEST(Iou, KnownValues) {
  struct Case {
    BBox a, b;
    float expected;
  };
  const Case cases[] = {
      {{0, 0, 10, 10}, {0, 0, 10, 10}, 1.0f},
      {{0, 0, 10, 10}, {5, 0, 15, 10}, 50.0f / 150.0f},
      {{0, 0, 10, 10}, {10, 10, 20, 20}, 0.0f},  // touching corners
      {{0, 0, 10, 10}, {2, 2, 4, 4}, 4.0f / 100.0f},
      {{0, 0, 0, 0}, {0, 0, 0, 0}, 0.0f},  // empty boxes
  };
  for (const auto& c : cases) EXPECT_NEAR(iou(c.a, c.b), c.expected, 1e-6);
}

TEST(Nms, TableDriven) {
  struct Case {
    const char* name;
    std::vector<Candidate> in;
    float thr;
    bool agnostic;
    std::size_t max_det;
    std::vector<float> kept_scores;
  };
  const std::vector<Case> cases = {
      {"empty", {}, 0.5f, false, 10, {}},
      {"overlap same class",
       {{{0, 0, 10, 10}, 0.9f, 0}, {{1, 0, 11, 10}, 0.8f, 0}},
       0.5f,
       false,
       10,
       {0.9f}},
      {"overlap other class",
       {{{0, 0, 10, 10}, 0.9f, 0}, {{1, 0, 11, 10}, 0.8f, 1}},
       0.5f,
       false,
       10,
       {0.9f, 0.8f}},
      {"agnostic", {{{0, 0, 10, 10}, 0.9f, 0}, {{1, 0, 11, 10}, 0.8f, 1}}, 0.5f, true, 10, {0.9f}},
      {"below threshold",
       {{{0, 0, 10, 10}, 0.7f, 0}, {{6, 0, 16, 10}, 0.9f, 0}},
       0.5f,
       false,
       10,
       {0.9f, 0.7f}},
      {"max det",
       {{{0, 0, 1, 1}, 0.5f, 0}, {{5, 5, 6, 6}, 0.6f, 0}, {{9, 9, 10, 10}, 0.7f, 0}},
       0.5f,
       false,
       2,
       {0.7f, 0.6f}},
      {"chain",
       {{{0, 0, 10, 10}, 0.9f, 0}, {{4, 0, 14, 10}, 0.8f, 0}, {{8, 0, 18, 10}, 0.7f, 0}},
       0.3f,
       false,
       10,
       {0.9f, 0.7f}},
  };
  for (const auto& c : cases) {
    auto kept = nms(c.in, c.thr, c.agnostic, c.max_det);
    std::vector<float> scores;
    for (const auto& k : kept) scores.push_back(k.score);
    EXPECT_EQ(scores, c.kept_scores) << c.name;
  }
}

TEST(Nms, MatchesNaiveOnRandomBoxes) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> pos(0, 200), size(5, 80), score(0.01f, 1.0f);
  std::uniform_int_distribution<int> cls(0, 3);
  for (int round = 0; round < 50; ++round) {
    std::vector<Candidate> c;
    for (int i = 0; i < 120; ++i) {
      const float x = pos(rng), y = pos(rng);
      c.push_back({{x, y, x + size(rng), y + size(rng)}, score(rng), cls(rng)});
    }
    for (bool agnostic : {false, true}) {
      for (float thr : {0.3f, 0.5f, 0.7f}) {
        auto got = nms(c, thr, agnostic, 300);
        auto want = naive_nms(c, thr, agnostic, 300);
        ASSERT_EQ(got.size(), want.size()) << round;
        for (std::size_t i = 0; i < got.size(); ++i) {
          EXPECT_EQ(got[i].score, want[i].score);
          EXPECT_EQ(got[i].class_id, want[i].class_id);
        }
      }
    }
  }
}

}  // namespace
}  // namespace ov::inference
