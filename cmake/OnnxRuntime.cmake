# Finds ONNX Runtime: ONNXRUNTIME_ROOT (CMake or environment variable: a folder with include/
# and lib/, e.g. your own GPU build), else third_party/onnxruntime that scripts/setup-npm.sh
# extracts from the pinned npm package. Defines onnxruntime::onnxruntime.
if(TARGET onnxruntime::onnxruntime)
  return()
endif()
if(NOT ONNXRUNTIME_ROOT AND DEFINED ENV{ONNXRUNTIME_ROOT})
  set(ONNXRUNTIME_ROOT "$ENV{ONNXRUNTIME_ROOT}")
endif()
if(NOT ONNXRUNTIME_ROOT)
  set(ONNXRUNTIME_ROOT "${PROJECT_SOURCE_DIR}/third_party/onnxruntime")
endif()
set(ONNXRUNTIME_ROOT "${ONNXRUNTIME_ROOT}" CACHE PATH "ONNX Runtime folder (include/, lib/)")

find_path(ONNXRUNTIME_INCLUDE_DIR onnxruntime_cxx_api.h
  PATHS "${ONNXRUNTIME_ROOT}/include" "${ONNXRUNTIME_ROOT}/include/onnxruntime"
        "${ONNXRUNTIME_ROOT}/include/onnxruntime/core/session"
  NO_DEFAULT_PATH NO_CACHE)
find_library(ONNXRUNTIME_LIBRARY NAMES onnxruntime libonnxruntime.so.1
  PATHS "${ONNXRUNTIME_ROOT}/lib" "${ONNXRUNTIME_ROOT}/lib64" NO_DEFAULT_PATH NO_CACHE)
if(NOT ONNXRUNTIME_INCLUDE_DIR OR NOT ONNXRUNTIME_LIBRARY)
  message(FATAL_ERROR "ONNX Runtime not found in ${ONNXRUNTIME_ROOT}: run scripts/setup.sh "
                      "(make setup) to fetch it, or set ONNXRUNTIME_ROOT to your build")
endif()
message(STATUS "ONNX Runtime: ${ONNXRUNTIME_LIBRARY}")

add_library(onnxruntime::onnxruntime SHARED IMPORTED GLOBAL)
set_target_properties(onnxruntime::onnxruntime PROPERTIES
  IMPORTED_LOCATION "${ONNXRUNTIME_LIBRARY}"
  IMPORTED_SONAME "libonnxruntime.so.1"
  INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${ONNXRUNTIME_INCLUDE_DIR}"
  INTERFACE_INCLUDE_DIRECTORIES "${ONNXRUNTIME_INCLUDE_DIR}")
get_filename_component(ONNXRUNTIME_LIB_DIR "${ONNXRUNTIME_LIBRARY}" DIRECTORY)
set(ONNXRUNTIME_LIB_DIR "${ONNXRUNTIME_LIB_DIR}" CACHE INTERNAL "")
# Binaries find the library from build/ (CMake's build RPATH holds ONNXRUNTIME_LIB_DIR) and,
# once installed, in ../lib beside them: call ov_onnxruntime_rpath(target) on executables.
function(ov_onnxruntime_rpath target)
  set_property(TARGET ${target} APPEND PROPERTY INSTALL_RPATH "$ORIGIN/../lib")
  set_property(TARGET ${target} APPEND PROPERTY BUILD_RPATH "${ONNXRUNTIME_LIB_DIR}")
endfunction()
function(ov_onnxruntime_install_rules)
  file(GLOB ort_libs "${ONNXRUNTIME_LIB_DIR}/libonnxruntime.so*")
  install(FILES ${ort_libs} DESTINATION lib)
endfunction()
