#pragma once
// OpenCV's own pixel limit: the decoder's last line of defence behind the header probe, for a
// header the probe reads differently from the decoder. OpenCV 4.6 reads the environment
// variable OPENCV_IO_MAX_IMAGE_PIXELS into a namespace-scope static of libopencv_imgcodecs
// (loadsave.cpp: `static const size_t CV_IO_MAX_IMAGE_PIXELS =
// utils::getConfigurationParameterSizeT("OPENCV_IO_MAX_IMAGE_PIXELS", 1 << 30)`), initialised
// when the library is loaded, before main() runs, and asserts on it before allocating the
// image. Setting the variable later (in Engine::load, say) changes nothing, and glibc resets
// `environ` after the executable's .preinit_array functions run. So the variable must be in
// the environment the process starts with: commands that decode images call
// pin_decoder_pixel_limit() first thing, which re-executes the program (same pid, same
// arguments) with the variable set, unless it is already set to at most the limit.
#include <cstdint>
#include <optional>

#include "core/error.hpp"

namespace ov::inference {

inline constexpr const char* kDecoderPixelLimitVariable = "OPENCV_IO_MAX_IMAGE_PIXELS";

// The limit OpenCV enforces in this process, read as OpenCV reads it (digits, optionally KB or
// MB); nullopt when unset or unreadable (OpenCV then uses 2^30).
std::optional<std::uint64_t> decoder_pixel_limit();

// Whether OpenCV already refuses images over max_pixels (always true when max_pixels <= 0).
bool decoder_pixel_limit_applies(std::int64_t max_pixels);

// Returns at once when decoder_pixel_limit_applies(max_pixels); otherwise sets the variable and
// execv()s /proc/self/exe with argv, so it returns only when that fails (with the error).
Result<void> pin_decoder_pixel_limit(std::int64_t max_pixels, char** argv);

}  // namespace ov::inference
