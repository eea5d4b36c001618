# Compiler flags shared by every target: warnings are errors, optional sanitizers,
# ccache and mold when the set-up installed them.
find_program(CCACHE_PROGRAM ccache)
if(CCACHE_PROGRAM)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${CCACHE_PROGRAM})
endif()

find_program(MOLD_PROGRAM mold)
if(MOLD_PROGRAM)
  add_link_options(-fuse-ld=mold)
endif()

add_compile_options(-Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers)
# Boost.Asio coroutines under g++ 12 trip -Wmismatched-new-delete false positives.
add_compile_options($<$<CXX_COMPILER_ID:GNU>:-Wno-mismatched-new-delete>)
add_compile_definitions(BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW)

if(CMAKE_BUILD_TYPE STREQUAL "Release")
  add_compile_options(-O2)
endif()

if(OV_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# The tsan preset: ThreadSanitizer, which cannot be combined with ASan. -O1 keeps it bearable.
if(OV_TSAN)
  if(OV_SANITIZE)
    message(FATAL_ERROR "OV_TSAN and OV_SANITIZE exclude each other (TSan cannot run with ASan)")
  endif()
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer -O1 -g)
  add_link_options(-fsanitize=thread)
endif()

# libFuzzer's coverage instrumentation on every library (OV_FUZZ, clang only, with OV_SANITIZE):
# the debug preset builds the server, the unit tests and the fuzz targets of fuzz/ in one tree;
# only the targets in fuzz/ link libFuzzer's main (-fsanitize=fuzzer). Elsewhere the coverage
# callbacks are the sanitizer runtime's no-ops.
if(OV_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "OV_FUZZ needs clang (cmake --preset debug uses clang++-15)")
  endif()
  if(NOT OV_SANITIZE)
    message(FATAL_ERROR "OV_FUZZ needs OV_SANITIZE (the fuzz targets run under ASan + UBSan)")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
