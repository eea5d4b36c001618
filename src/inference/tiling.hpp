#pragma once
// SAHI-style slicing: overlapping tiles that cover the image, the last one flush with the edge.
#include <cstdint>
#include <vector>

#include "inference/types.hpp"

namespace ov::inference {

struct Region {
  int x = 0, y = 0, width = 0, height = 0;
};

// Tiles of tile.width x tile.height (clamped to the image) with the given overlap; plus the
// whole image first when tile.include_full_image and there is more than one tile.
std::vector<Region> make_tiles(int width, int height, const TileOptions& tile);

// make_tiles(width, height, tile).size(), computed without making them (any size).
std::int64_t count_tiles(std::int64_t width, std::int64_t height, const TileOptions& tile);

// The worse of both orientations: the image may be turned a quarter by its EXIF tag after the
// header was read, which swaps its sides.
std::int64_t count_tiles_any_orientation(std::int64_t width, std::int64_t height,
                                         const TileOptions& tile);

}  // namespace ov::inference
