// Writes the image seeds of fuzz/corpus/image_probe/: one small picture (a photo from Debian's
// darknet package, scaled down) in every format and variant the decoder reads.
// Usage: make_image_seeds <photo> <output folder>
#include <cstdio>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s <photo> <output folder>\n", argv[0]);
    return 2;
  }
  cv::Mat photo = cv::imread(argv[1], cv::IMREAD_COLOR);
  if (photo.empty()) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  cv::Mat small, grey;
  cv::resize(photo, small, cv::Size(24, 16), 0, 0, cv::INTER_AREA);
  cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
  struct Seed {
    const char* name;
    const cv::Mat& image;
    std::vector<int> params;
  };
  const std::vector<Seed> seeds = {
      {"baseline.jpg", small, {cv::IMWRITE_JPEG_QUALITY, 50}},
      {"progressive.jpg", small, {cv::IMWRITE_JPEG_QUALITY, 50, cv::IMWRITE_JPEG_PROGRESSIVE, 1}},
      {"grey.jpg", grey, {cv::IMWRITE_JPEG_QUALITY, 50}},
      {"rgb.png", small, {cv::IMWRITE_PNG_COMPRESSION, 9}},
      {"grey.png", grey, {cv::IMWRITE_PNG_COMPRESSION, 9}},
      {"lossy.webp", small, {cv::IMWRITE_WEBP_QUALITY, 50}},
      {"lossless.webp", small, {cv::IMWRITE_WEBP_QUALITY, 101}},
      {"rgb.bmp", small, {}},
      {"rgb.tiff", small, {cv::IMWRITE_TIFF_COMPRESSION, 1}},
      {"lzw.tiff", small, {cv::IMWRITE_TIFF_COMPRESSION, 5}},
  };
  for (const auto& seed : seeds) {
    std::string path = std::string(argv[2]) + "/" + seed.name;
    if (!cv::imwrite(path, seed.image, seed.params)) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
