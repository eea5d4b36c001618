#include "inference/annotate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "inference/draw.hpp"
#include "inference/image_decode.hpp"
#include "inference/image_probe.hpp"
#include "inference/memory_budget.hpp"

namespace ov::inference {
namespace {

// A fixed palette (BGR) so that a class keeps its colour across images.
const cv::Scalar kPalette[] = {{56, 56, 255},  {151, 157, 255}, {31, 112, 255},  {29, 178, 255},
                               {49, 210, 207}, {10, 249, 72},   {23, 204, 146},  {134, 219, 61},
                               {52, 147, 26},  {187, 212, 0},   {168, 153, 44},  {255, 194, 0},
                               {147, 69, 52},  {255, 115, 100}, {236, 24, 0},    {255, 56, 132},
                               {133, 0, 82},   {255, 56, 203},  {200, 149, 255}, {199, 55, 255}};

}  // namespace

void draw_detections(cv::Mat& bgr, std::span<const DetectedObject> detections) {
  const int thickness = std::max(2, static_cast<int>(std::lround((bgr.cols + bgr.rows) * 0.0015)));
  const double font_scale = std::max(0.4, thickness / 3.0);
  // Lowest confidence first, so that the best boxes end on top.
  for (auto it = detections.rbegin(); it != detections.rend(); ++it) {
    const DetectedObject& d = *it;
    const cv::Scalar color = kPalette[static_cast<std::size_t>(d.class_id) % std::size(kPalette)];
    const cv::Point p1(static_cast<int>(d.box.x1), static_cast<int>(d.box.y1));
    const cv::Point p2(static_cast<int>(d.box.x2), static_cast<int>(d.box.y2));
    cv::rectangle(bgr, p1, p2, color, thickness, cv::LINE_AA);
    const std::string text = fmt::format("{} {:.2f}", d.label, d.confidence);
    int baseline = 0;
    const int font_thickness = std::max(1, thickness - 1);
    cv::Size size =
        cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, font_scale, font_thickness, &baseline);
    const bool above = p1.y - size.height - 3 >= 0;
    const cv::Point corner(p1.x, above ? p1.y - size.height - 3 : p1.y + size.height + 3);
    cv::rectangle(bgr, p1, corner + cv::Point(size.width, 0), color, cv::FILLED, cv::LINE_AA);
    cv::putText(bgr, text, cv::Point(p1.x, above ? p1.y - 2 : p1.y + size.height + 2),
                cv::FONT_HERSHEY_SIMPLEX, font_scale, cv::Scalar(255, 255, 255), font_thickness,
                cv::LINE_AA);
  }
}

Result<std::vector<std::uint8_t>> encode_image(const cv::Mat& bgr, ImageFormat format,
                                               int quality) {
  std::vector<int> params;
  quality = std::clamp(quality, 1, 100);
  const char* ext = ".jpg";
  switch (format) {
    case ImageFormat::jpeg:
      params = {cv::IMWRITE_JPEG_QUALITY, quality};
      break;
    case ImageFormat::png:
      ext = ".png";
      params = {cv::IMWRITE_PNG_COMPRESSION, 3};
      break;
    case ImageFormat::webp:
      ext = ".webp";
      params = {cv::IMWRITE_WEBP_QUALITY, quality};
      break;
  }
  std::vector<std::uint8_t> out;
  try {
    if (!cv::imencode(ext, bgr, out, params)) {
      return Error{Errc::internal, fmt::format("cannot encode {}", to_string(format))};
    }
  } catch (const cv::Exception& e) {
    return Error{Errc::internal, fmt::format("cannot encode {}: {}", to_string(format), e.what())};
  }
  return out;
}

Result<std::vector<std::uint8_t>> annotate_image(std::span<const std::uint8_t> encoded,
                                                 std::span<const DetectedObject> detections,
                                                 ImageFormat format, int quality) {
  // The image was checked when it was uploaded; its memory is checked now (a request may draw
  // it long after, with other work running).
  auto header = probe_image(encoded);
  if (!header) return header.error();
  auto fits =
      check_memory(header.value(), image_memory_bytes(header.value(), 0), available_memory_bytes());
  if (!fits) return fits.error();
  auto image = decode_image(encoded, 0);
  if (!image) return image.error();
  draw_detections(image.value(), detections);
  return encode_image(image.value(), format, quality);
}

}  // namespace ov::inference
