// The limits behind the probe: OpenCV's own pixel limit (read once, when its library loads, so
// pinned by re-executing) and the decoded image's size.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "inference/decoder_limit.hpp"
#include "inference/image_decode.hpp"

extern char** environ;

namespace ov::inference {
namespace {

constexpr const char* kChildVariable = "OV_TEST_DECODER_LIMIT_CHILD";

std::vector<std::uint8_t> png(int w, int h) {
  std::vector<std::uint8_t> out;
  cv::imencode(".png", cv::Mat(h, w, CV_8UC3, cv::Scalar(1, 2, 3)), out);
  return out;
}

// This test program's arguments, as it was started.
std::vector<std::string> own_arguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  const std::string all((std::istreambuf_iterator<char>(in)), {});
  std::vector<std::string> args;
  for (std::size_t at = 0; at < all.size();) {
    const std::size_t end = all.find('\0', at);
    args.push_back(all.substr(at, end - at));
    at = end + 1;
  }
  return args;
}

// Run by DecoderPixelLimit.IsPinnedByReexecutingBeforeOpenCvLoads in a child process.
TEST(DecoderPixelLimitChild, PinnedLimitIsEnforcedByOpenCv) {
  if (std::getenv(kChildVariable) == nullptr) GTEST_SKIP() << "runs in a child process only";
  std::vector<std::string> args = own_arguments();
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The first time this re-executes the test program; the second time the limit applies.
  auto pinned = pin_decoder_pixel_limit(1000, argv.data());
  ASSERT_TRUE(pinned.ok()) << pinned.error().message;
  EXPECT_EQ(decoder_pixel_limit(), 1000u);
  EXPECT_TRUE(decoder_pixel_limit_applies(1000));
  EXPECT_FALSE(decoder_pixel_limit_applies(999));
  EXPECT_TRUE(decode_image(png(40, 25), 0).ok());  // 1000 pixels
  // 1600 pixels: the probe is given no limit, so OpenCV's own refuses before allocating.
  auto refused = decode_image(png(40, 40), 0);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::too_large);
  EXPECT_NE(refused.error().message.find("over its limit"), std::string::npos)
      << refused.error().message;
}

TEST(DecoderPixelLimit, IsPinnedByReexecutingBeforeOpenCvLoads) {
  if (std::getenv(kChildVariable) != nullptr) GTEST_SKIP();
  // Built before fork(): the child only calls execve.
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string(*e).rfind(kDecoderPixelLimitVariable, 0) != 0) env.emplace_back(*e);
  }
  env.push_back(std::string(kChildVariable) + "=1");
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string self = own_arguments().at(0);
  std::string filter = "--gtest_filter=DecoderPixelLimitChild.*";
  char* argv[] = {self.data(), filter.data(), nullptr};
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execve("/proc/self/exe", argv, envp.data());
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child's test failed (its output is above)";
}

TEST(DecoderPixelLimit, IsReadAsOpenCvReadsIt) {
  const char* saved = std::getenv(kDecoderPixelLimitVariable);
  const std::string before = saved ? saved : "";
  const std::pair<const char*, std::optional<std::uint64_t>> cases[] = {
      {"40000000", 40'000'000}, {"2KB", 2048},      {"3MB", 3u << 20},
      {"12GB", std::nullopt},   {"", std::nullopt}, {"x", std::nullopt}};
  for (const auto& [text, value] : cases) {
    ::setenv(kDecoderPixelLimitVariable, text, 1);
    EXPECT_EQ(decoder_pixel_limit(), value) << text;
  }
  ::unsetenv(kDecoderPixelLimitVariable);
  EXPECT_EQ(decoder_pixel_limit(), std::nullopt);
  EXPECT_FALSE(decoder_pixel_limit_applies(40'000'000));
  EXPECT_TRUE(decoder_pixel_limit_applies(0));  // no limit wanted
  if (saved) ::setenv(kDecoderPixelLimitVariable, before.c_str(), 1);
}

TEST(DecodedImage, IsCheckedAgainstTheLimitWhateverTheHeaderSaid) {
  const cv::Mat decoded(100, 100, CV_8UC3);
  const ImageHeader said{SourceFormat::tiff, 1, 1, 0};
  EXPECT_TRUE(check_decoded(decoded, said, 10'000).ok());
  EXPECT_TRUE(check_decoded(decoded, said, 0).ok());
  auto refused = check_decoded(decoded, said, 9'999);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::too_large);
  EXPECT_EQ(refused.error().message,
            "image too large: TIFF decoded to 100x100 = 10000 pixels (its header said 1x1), the "
            "limit is 9999");
}

}  // namespace
}  // namespace ov::inference
