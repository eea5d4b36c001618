#pragma once
// Draws detections on an image and encodes it (JPEG, PNG or WebP).
#include <cstdint>
#include <span>
#include <vector>

#include "core/error.hpp"
#include "inference/types.hpp"

namespace ov::inference {

// Decodes `encoded` (EXIF orientation applied), draws boxes, labels and scores, encodes.
Result<std::vector<std::uint8_t>> annotate_image(std::span<const std::uint8_t> encoded,
                                                 std::span<const DetectedObject> detections,
                                                 ImageFormat format, int quality = 90);

}  // namespace ov::inference
