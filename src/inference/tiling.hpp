#pragma once
// SAHI-style slicing: overlapping tiles that cover the image, the last one flush with the edge.
#include <vector>

#include "inference/types.hpp"

namespace ov::inference {

struct Region {
  int x = 0, y = 0, width = 0, height = 0;
};

// Tiles of tile.width x tile.height (clamped to the image) with the given overlap; plus the
// whole image first when tile.include_full_image and there is more than one tile.
std::vector<Region> make_tiles(int width, int height, const TileOptions& tile);

}  // namespace ov::inference
