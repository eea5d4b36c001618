#include "api/upload.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

#include "api/json_io.hpp"
#include "core/error.hpp"
#include "core/text.hpp"
#include "core/utf8.hpp"
#include "inference/engine.hpp"
#include "inference/image_probe.hpp"
#include "inference/tiling.hpp"
#include "jobs/params.hpp"

namespace ov::api {
namespace {

struct Format {
  const char* mime;
  const char* ext;
};

Format format_info(inference::SourceFormat f) {
  switch (f) {
    case inference::SourceFormat::jpeg:
      return {"image/jpeg", "jpg"};
    case inference::SourceFormat::png:
      return {"image/png", "png"};
    case inference::SourceFormat::webp:
      return {"image/webp", "webp"};
    case inference::SourceFormat::bmp:
      return {"image/bmp", "bmp"};
    case inference::SourceFormat::tiff:
      return {"image/tiff", "tiff"};
  }
  return {"application/octet-stream", "bin"};
}

// A finite number; its bounds are checked with the rest (jobs::check_params).
double number(std::string_view field, const std::string& text) {
  double v = 0;
  auto t = trim(text);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || !std::isfinite(v)) {
    throw_validation("body", field, "Input should be a valid number", "float_parsing");
  }
  return v;
}

int integer(std::string_view field, const std::string& text) {
  long v = 0;
  auto t = trim(text);
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || v < INT32_MIN || v > INT32_MAX) {
    throw_validation("body", field, "Input should be a valid integer", "int_parsing");
  }
  return static_cast<int>(v);
}

bool boolean(std::string_view field, const std::string& text) {
  std::string t = trim(text);
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  throw_validation("body", field, "Input should be a valid boolean", "bool_parsing");
}

// A text field, trimmed: answers echo it and the database stores it, so UTF-8 only.
std::string text_field(std::string_view field, const std::string& value) {
  if (!is_valid_utf8(value)) {
    throw_validation("body", field, "Input should be a valid UTF-8 string", "string_unicode");
  }
  return trim(value);
}

void apply_field(const std::string& name, const std::string& value, Upload& up) {
  auto& p = up.params;
  if (name == "confidence") {
    p.confidence = number(name, value);
  } else if (name == "iou") {
    p.iou = number(name, value);
  } else if (name == "max_detections") {
    p.max_detections = integer(name, value);
  } else if (name == "classes") {
    const std::string all = text_field(name, value);
    std::string_view rest = all;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      std::string item = trim(rest.substr(0, comma));
      if (!item.empty()) p.classes.push_back(item);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
  } else if (name == "model") {
    p.model = text_field(name, value);
  } else if (name == "annotate") {
    p.annotate = boolean(name, value);
  } else if (name == "name") {
    up.name = text_field(name, value);
    if (up.name.size() > 200) {
      throw_validation("body", "name", "String should have at most 200 characters",
                       "string_too_long");
    }
  } else if (name == "tile") {
    std::string t = trim(value);
    auto x = t.find('x');
    int w = 0, h = 0;
    bool ok = x != std::string::npos &&
              std::from_chars(t.data(), t.data() + x, w).ptr == t.data() + x &&
              std::from_chars(t.data() + x + 1, t.data() + t.size(), h).ptr == t.data() + t.size();
    if (!ok) throw_validation("body", "tile", "Expected WIDTHxHEIGHT, e.g. 640x640", "value_error");
    p.tile_width = w;
    p.tile_height = h;
  } else if (name == "tile_overlap") {
    p.tile_overlap = number(name, value);
  }
  // Other fields are ignored, as form handlers usually do.
}

// The tiles an image will be cut into, in the worse of its two orientations (its EXIF tag may
// turn it a quarter after decoding): 422 beyond MAX_TILES, before anything is stored.
void check_tiles(const UploadedImage& image, const jobs::JobParams& params, int max_tiles) {
  if (params.tile_width <= 0) return;
  const auto tile = jobs::detect_options(params).tile;
  const auto tiles = inference::count_tiles_any_orientation(image.width, image.height, tile);
  if (tiles <= max_tiles) return;
  throw_validation("body", "tile",
                   fmt::format("Too many tiles: {}x{} tiles with overlap {} cut this {}x{} image "
                               "into {} tiles; at most {} per image (MAX_TILES). Use larger "
                               "tiles or less overlap",
                               tile.width, tile.height, params.tile_overlap, image.width,
                               image.height, tiles, max_tiles),
                   "value_error");
}

}  // namespace

std::vector<http::FormPart> form_parts(const http::Request& request) {
  auto ct = request.headers.get("Content-Type");
  auto boundary = ct ? http::multipart_boundary(*ct) : std::nullopt;
  if (!boundary) throw ApiError(415, "Unsupported Media Type: expected multipart/form-data");
  auto parts = http::parse_multipart(request.body, *boundary);
  if (!parts) throw ApiError(400, "Malformed multipart body: " + parts.error().message);
  return std::move(parts.value());
}

UploadedImage check_image_part(const http::FormPart& part, std::string_view field,
                               std::int64_t max_pixels) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(part.data.data());
  auto header = inference::check_image({bytes, part.data.size()}, max_pixels);
  if (!header) {
    switch (header.error().code) {
      case Errc::unsupported:
        throw ApiError(415, "Unsupported image type");
      case Errc::too_large:
        throw ApiError(413, header.error().message);
      default:
        throw_validation("body", field, header.error().message, "value_error");
    }
  }
  auto info = format_info(header->format);
  return UploadedImage{to_valid_utf8(part.filename.value_or("")),
                       info.mime,
                       info.ext,
                       part.data,
                       header->width,
                       header->height};
}

Upload parse_upload(const http::Request& request, UploadKind kind, const config::Config& config,
                    const inference::Engine& engine) {
  Upload up;
  up.parts = form_parts(request);
  std::vector<const http::FormPart*> files;
  const char* field = kind == UploadKind::single ? "image" : "images";
  for (const auto& part : up.parts) {
    bool file_field = kind == UploadKind::single ? (part.name == "image" || part.name == "file")
                                                 : (part.name == "images" || part.name == "files" ||
                                                    part.name == "image" || part.name == "file");
    if (file_field) {
      files.push_back(&part);
    } else if (!part.filename) {
      apply_field(part.name, std::string(part.data), up);
    }
  }
  // The one check of the parameters: bounds, the model, its classes (unknown ones are 422 here,
  // not a failed job later).
  if (auto problems = jobs::check_params(up.params, engine); !problems.empty()) {
    throw_validation("body", problems.front().field, problems.front().message, "value_error");
  }
  if (files.empty()) throw_validation("body", field, "Field required", "missing");
  if (kind == UploadKind::single && files.size() > 1) {
    throw_validation("body", field, "Send one image here; use /api/v1/detect/batch for several",
                     "value_error");
  }
  if (static_cast<int>(files.size()) > config.max_batch_images) {
    throw_validation("body", field,
                     "At most " + std::to_string(config.max_batch_images) + " images per batch",
                     "too_long");
  }
  for (const auto* f : files) {
    up.images.push_back(check_image_part(*f, field, config.max_image_pixels));
    check_tiles(up.images.back(), up.params, config.max_tiles);
  }
  return up;
}

}  // namespace ov::api
