#include "inference/options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace ov::inference {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool unit_interval(const std::optional<float>& v) {
  return !v || (*v >= 0.0f && *v <= 1.0f);
}

}  // namespace

std::optional<OptionProblem> check_options(const DetectOptions& o,
                                           const std::vector<std::string>& labels) {
  if (!unit_interval(o.confidence)) return OptionProblem{"confidence", "must be from 0 to 1"};
  if (!unit_interval(o.iou)) return OptionProblem{"iou", "must be from 0 to 1"};
  if (o.max_detections && (*o.max_detections < 1 || *o.max_detections > kMaxDetectionsLimit)) {
    return OptionProblem{"max_detections",
                         fmt::format("must be from 1 to {}", kMaxDetectionsLimit)};
  }
  const TileOptions& t = o.tile;
  if (t.width != 0 || t.height != 0) {
    auto side_ok = [](int s) { return s >= kMinTileSide && s <= kMaxTileSide; };
    if (!side_ok(t.width) || !side_ok(t.height)) {
      return OptionProblem{"tile", fmt::format("expected WIDTHxHEIGHT, each {} to {}, e.g. 640x640",
                                               kMinTileSide, kMaxTileSide)};
    }
  }
  if (!(t.overlap >= 0.0f && t.overlap <= kMaxTileOverlap)) {
    return OptionProblem{"tile_overlap", fmt::format("must be from 0 to {}", kMaxTileOverlap)};
  }
  if (auto allowed = class_filter(labels, o.classes); !allowed) {
    return OptionProblem{"classes", allowed.error().message};
  }
  return std::nullopt;
}

Result<std::vector<std::uint8_t>> class_filter(const std::vector<std::string>& labels,
                                               const std::vector<std::string>& wanted) {
  std::vector<std::uint8_t> allowed;
  if (wanted.empty()) return allowed;
  allowed.assign(labels.size(), 0);
  for (const auto& w : wanted) {
    const std::string key = lower(w);
    bool found = false;
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (lower(labels[i]) == key) {
        allowed[i] = 1;
        found = true;
      }
    }
    if (!found && !key.empty() && key.size() <= 9 &&
        std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isdigit(c); })) {
      const std::size_t id = std::stoul(key);
      if (id < labels.size()) {
        allowed[id] = 1;
        found = true;
      }
    }
    if (!found) {
      return Error{Errc::invalid_argument, fmt::format("unknown class '{}' for this model", w)};
    }
  }
  return allowed;
}

}  // namespace ov::inference
