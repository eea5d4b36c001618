// bench_resize_jpeg IN OUT WIDTH HEIGHT: a photo resized (area interpolation) and written as
// JPEG quality 90. Makes the small frames a camera client such as Frigate sends.
#include <cstdio>
#include <cstdlib>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s IN OUT WIDTH HEIGHT\n", argv[0]);
    return 2;
  }
  cv::Mat in = cv::imread(argv[1], cv::IMREAD_COLOR);
  if (in.empty()) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  cv::Mat out;
  cv::resize(in, out, cv::Size(std::atoi(argv[3]), std::atoi(argv[4])), 0, 0, cv::INTER_AREA);
  return cv::imwrite(argv[2], out, {cv::IMWRITE_JPEG_QUALITY, 90}) ? 0 : 1;
}
