#include "inference/types.hpp"

#include <algorithm>
#include <cctype>

namespace ov::inference {

const char* to_string(ModelState state) {
  switch (state) {
    case ModelState::loaded:
      return "loaded";
    case ModelState::available:
      return "available";
    case ModelState::failed:
      return "failed";
  }
  return "?";
}

const char* to_string(Family family) {
  switch (family) {
    case Family::yolov8:
      return "yolov8";
    case Family::yolov5:
      return "yolov5";
    case Family::nanodet:
      return "nanodet";
  }
  return "?";
}

std::optional<ImageFormat> image_format_from_string(const std::string& name) {
  std::string n = name;
  std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
  if (n == "jpeg" || n == "jpg") return ImageFormat::jpeg;
  if (n == "png") return ImageFormat::png;
  if (n == "webp") return ImageFormat::webp;
  return std::nullopt;
}

const char* to_string(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "jpeg";
    case ImageFormat::png:
      return "png";
    case ImageFormat::webp:
      return "webp";
  }
  return "?";
}

const char* mime_type(ImageFormat format) {
  switch (format) {
    case ImageFormat::jpeg:
      return "image/jpeg";
    case ImageFormat::png:
      return "image/png";
    case ImageFormat::webp:
      return "image/webp";
  }
  return "application/octet-stream";
}

}  // namespace ov::inference
