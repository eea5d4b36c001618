#include "inference/tiling.hpp"

#include <algorithm>
#include <cmath>

namespace ov::inference {
namespace {

std::vector<int> starts(int length, int tile, float overlap) {
  std::vector<int> out;
  if (tile >= length) return {0};
  const int step = std::max(1, static_cast<int>(std::lround(tile * (1.0f - overlap))));
  for (int s = 0;; s += step) {
    if (s + tile >= length) {
      out.push_back(length - tile);
      break;
    }
    out.push_back(s);
  }
  return out;
}

}  // namespace

std::vector<Region> make_tiles(int width, int height, const TileOptions& tile) {
  if (tile.width <= 0 || tile.height <= 0) return {Region{0, 0, width, height}};
  const int tw = std::min(tile.width, width);
  const int th = std::min(tile.height, height);
  std::vector<Region> regions;
  for (int y : starts(height, th, tile.overlap)) {
    for (int x : starts(width, tw, tile.overlap)) regions.push_back(Region{x, y, tw, th});
  }
  if (regions.size() > 1 && tile.include_full_image) {
    regions.insert(regions.begin(), Region{0, 0, width, height});
  }
  return regions;
}

}  // namespace ov::inference
