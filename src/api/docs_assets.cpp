#include "api/docs_assets.hpp"

// Each file is placed in .rodata by the assembler (.incbin) at build time: no generated
// source, no copy at start. The paths come from src/api/CMakeLists.txt.
#if defined(OV_DOCS_SWAGGER_JS) && defined(OV_DOCS_SWAGGER_CSS) && defined(OV_DOCS_REDOC_JS)
#define OV_INCBIN(symbol, file)                                                                 \
  __asm__(".pushsection .rodata\n.balign 16\n.globl " #symbol "\n" #symbol ":\n.incbin \"" file \
          "\"\n.globl " #symbol "_end\n" #symbol "_end:\n.popsection\n")

OV_INCBIN(ov_docs_swagger_js, OV_DOCS_SWAGGER_JS);
OV_INCBIN(ov_docs_swagger_css, OV_DOCS_SWAGGER_CSS);
OV_INCBIN(ov_docs_redoc_js, OV_DOCS_REDOC_JS);

extern "C" const char ov_docs_swagger_js[], ov_docs_swagger_js_end[];
extern "C" const char ov_docs_swagger_css[], ov_docs_swagger_css_end[];
extern "C" const char ov_docs_redoc_js[], ov_docs_redoc_js_end[];

namespace ov::api::docs_assets {
bool available() {
  return true;
}
std::string_view swagger_ui_js() {
  return {ov_docs_swagger_js,
          static_cast<std::size_t>(ov_docs_swagger_js_end - ov_docs_swagger_js)};
}
std::string_view swagger_ui_css() {
  return {ov_docs_swagger_css,
          static_cast<std::size_t>(ov_docs_swagger_css_end - ov_docs_swagger_css)};
}
std::string_view redoc_js() {
  return {ov_docs_redoc_js, static_cast<std::size_t>(ov_docs_redoc_js_end - ov_docs_redoc_js)};
}
}  // namespace ov::api::docs_assets
#else
namespace ov::api::docs_assets {
bool available() {
  return false;
}
std::string_view swagger_ui_js() {
  return {};
}
std::string_view swagger_ui_css() {
  return {};
}
std::string_view redoc_js() {
  return {};
}
}  // namespace ov::api::docs_assets
#endif
