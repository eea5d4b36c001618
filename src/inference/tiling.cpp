#include "inference/tiling.hpp"

#include <algorithm>
#include <cmath>

namespace ov::inference {
namespace {

std::int64_t step_of(std::int64_t tile, float overlap) {
  return std::max<std::int64_t>(1, std::lround(static_cast<float>(tile) * (1.0f - overlap)));
}

std::vector<int> starts(int length, int tile, float overlap) {
  std::vector<int> out;
  if (tile >= length) return {0};
  const int step = static_cast<int>(step_of(tile, overlap));
  for (int s = 0;; s += step) {
    if (s + tile >= length) {
      out.push_back(length - tile);
      break;
    }
    out.push_back(s);
  }
  return out;
}

// starts(length, tile, overlap).size(): the starts 0, step, 2 step, ... below length - tile,
// then the last one flush with the edge.
std::int64_t count_starts(std::int64_t length, std::int64_t tile, float overlap) {
  if (tile >= length) return 1;
  const std::int64_t step = step_of(tile, overlap);
  return (length - tile + step - 1) / step + 1;
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

std::int64_t count_tiles(std::int64_t width, std::int64_t height, const TileOptions& tile) {
  if (tile.width <= 0 || tile.height <= 0) return 1;
  const std::int64_t tw = std::min<std::int64_t>(tile.width, width);
  const std::int64_t th = std::min<std::int64_t>(tile.height, height);
  const std::int64_t n =
      count_starts(width, tw, tile.overlap) * count_starts(height, th, tile.overlap);
  return n + (n > 1 && tile.include_full_image ? 1 : 0);
}

std::int64_t count_tiles_any_orientation(std::int64_t width, std::int64_t height,
                                         const TileOptions& tile) {
  return std::max(count_tiles(width, height, tile), count_tiles(height, width, tile));
}

}  // namespace ov::inference
