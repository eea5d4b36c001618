// Writes the image seeds of fuzz/corpus/image_probe/: one small picture (a photo from Debian's
// darknet package, scaled down) in every format and variant the decoder reads.
// Usage: make_image_seeds <photo> <output folder>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

namespace {

// A JPEG whose EXIF orientation (6: rotate 90 degrees clockwise) makes the decoder swap its
// sides: an APP1 segment with a one-entry TIFF directory, put right after the SOI marker.
bool write_rotated_jpeg(const cv::Mat& image, const std::string& path) {
  std::vector<std::uint8_t> jpeg;
  if (!cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 50})) return false;
  const std::vector<std::uint8_t> tiff = {'I',  'I', 42, 0, 8, 0, 0, 0,  // header, IFD at 8
                                          1,    0,                       // one entry
                                          0x12, 1,   3,  0, 1, 0, 0, 0, 6, 0, 0, 0,  // orientation
                                          0,    0,   0,  0};                         // no next IFD
  std::vector<std::uint8_t> app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  app1[2] = static_cast<std::uint8_t>((app1.size() - 2) >> 8);
  app1[3] = static_cast<std::uint8_t>((app1.size() - 2) & 0xFF);
  jpeg.insert(jpeg.begin() + 2, app1.begin(), app1.end());
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) return false;
  bool ok = std::fwrite(jpeg.data(), 1, jpeg.size(), out) == jpeg.size();
  return std::fclose(out) == 0 && ok;
}

}  // namespace

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
  cv::Mat small, grey, grey16, bgra;
  cv::resize(photo, small, cv::Size(24, 16), 0, 0, cv::INTER_AREA);
  cv::cvtColor(small, grey, cv::COLOR_BGR2GRAY);
  grey.convertTo(grey16, CV_16U, 257.0);
  cv::cvtColor(small, bgra, cv::COLOR_BGR2BGRA);
  bgra(cv::Rect(0, 0, 12, 16)).forEach<cv::Vec4b>([](cv::Vec4b& p, const int*) { p[3] = 128; });
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
      {"grey16.png", grey16, {cv::IMWRITE_PNG_COMPRESSION, 9}},
      {"alpha.png", bgra, {cv::IMWRITE_PNG_COMPRESSION, 9}},
      {"alpha.webp", bgra, {cv::IMWRITE_WEBP_QUALITY, 50}},
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
  return write_rotated_jpeg(small, std::string(argv[2]) + "/exif-rotated.jpg") ? 0 : 1;
}
