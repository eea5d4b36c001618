#pragma once
// The multipart upload of POST /api/v1/detect/image and /batch: files checked (type from the
// bytes, pixel limit from the header, truncation) and form fields validated, before anything
// is stored or queued; with `tile=`, the tiles each image makes are counted against MAX_TILES.
// Failures throw ApiError (415, 422, 413).
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "http/message.hpp"
#include "http/multipart.hpp"
#include "jobs/params.hpp"

namespace ov::inference {
class Engine;
}

namespace ov::api {

struct UploadedImage {
  std::string filename;
  std::string content_type;            // from the bytes: image/jpeg, image/png, ...
  std::string extension;               // jpg, png, webp, bmp, tiff
  std::string_view data;               // into the request body
  std::int64_t width = 0, height = 0;  // from the header, before any EXIF orientation
};

struct Upload {
  std::vector<UploadedImage> images;
  jobs::JobParams params;
  std::string name;
  std::vector<http::FormPart> parts;  // owns nothing: views into the request body
};

enum class UploadKind { single, batch };

Upload parse_upload(const http::Request& request, UploadKind kind, const config::Config& config,
                    const inference::Engine& engine);

// The form parts of a multipart request (415 when not multipart, 400 when malformed).
std::vector<http::FormPart> form_parts(const http::Request& request);
// An image part checked as above; `field` names it in errors.
UploadedImage check_image_part(const http::FormPart& part, std::string_view field,
                               std::int64_t max_pixels);

}  // namespace ov::api
