#include "inference/decoder_limit.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace ov::inference {

std::optional<std::uint64_t> decoder_pixel_limit() {
  const char* text = std::getenv(kDecoderPixelLimitVariable);
  if (text == nullptr) return std::nullopt;
  const std::string s = text;
  std::size_t digits = 0;
  while (digits < s.size() && std::isdigit(static_cast<unsigned char>(s[digits]))) ++digits;
  if (digits == 0 || digits > 18) return std::nullopt;
  const std::uint64_t v = std::stoull(s.substr(0, digits));
  const std::string suffix = s.substr(digits);
  if (suffix.empty()) return v;
  if (suffix == "KB" || suffix == "Kb" || suffix == "kb") return v * 1024;
  if (suffix == "MB" || suffix == "Mb" || suffix == "mb") return v * 1024 * 1024;
  return std::nullopt;  // OpenCV fails to load such a value; ours replaces it
}

bool decoder_pixel_limit_applies(std::int64_t max_pixels) {
  if (max_pixels <= 0) return true;
  const auto limit = decoder_pixel_limit();
  return limit && *limit <= static_cast<std::uint64_t>(max_pixels);
}

Result<void> pin_decoder_pixel_limit(std::int64_t max_pixels, char** argv) {
  if (decoder_pixel_limit_applies(max_pixels)) return {};
  const std::string value = std::to_string(max_pixels);
  const char* old = std::getenv(kDecoderPixelLimitVariable);
  const std::optional<std::string> previous = old ? std::optional<std::string>(old) : std::nullopt;
  if (::setenv(kDecoderPixelLimitVariable, value.c_str(), 1) != 0) {
    return Error{Errc::internal,
                 fmt::format("setenv {}: {}", kDecoderPixelLimitVariable, std::strerror(errno))};
  }
  ::execv("/proc/self/exe", argv);
  const int failure = errno;
  // This process's OpenCV never saw the value: the environment must not claim it did.
  if (previous) {
    ::setenv(kDecoderPixelLimitVariable, previous->c_str(), 1);
  } else {
    ::unsetenv(kDecoderPixelLimitVariable);
  }
  return Error{Errc::internal,
               fmt::format("cannot re-execute with {}={}: {}", kDecoderPixelLimitVariable, value,
                           std::strerror(failure))};
}

}  // namespace ov::inference
