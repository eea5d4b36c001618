#pragma once
// What the fuzz targets share: the input as text, and FUZZ_CHECK, an invariant that aborts
// (libFuzzer then saves the input as a crash) with the failed condition and a note.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace ov::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

[[noreturn]] inline void check_failed(const char* condition, std::string_view note,
                                      const char* file, int line) {
  std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: %.*s\n", file, line, condition,
               static_cast<int>(note.size()), note.data());
  std::abort();
}

}  // namespace ov::fuzz

#define FUZZ_CHECK(condition, note)                                                   \
  do {                                                                                \
    if (!(condition)) ::ov::fuzz::check_failed(#condition, note, __FILE__, __LINE__); \
  } while (false)
