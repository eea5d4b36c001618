#include "api/web_assets.hpp"

// Each file is placed in .rodata by the assembler (.incbin), like docs_assets.cpp; the
// directory comes from src/api/CMakeLists.txt.
#if defined(OV_WEB_DIR)
#define OV_WEB_INCBIN(symbol, file)                                                  \
  __asm__(".pushsection .rodata\n.balign 16\n.globl " #symbol "\n" #symbol           \
          ":\n.incbin \"" OV_WEB_DIR "/" file "\"\n.globl " #symbol "_end\n" #symbol \
          "_end:\n.popsection\n")

OV_WEB_INCBIN(ov_web_app_js, "app.js");
OV_WEB_INCBIN(ov_web_app_js_gz, "app.js.gz");
OV_WEB_INCBIN(ov_web_app_js_br, "app.js.br");
OV_WEB_INCBIN(ov_web_app_css, "app.css");
OV_WEB_INCBIN(ov_web_app_css_gz, "app.css.gz");
OV_WEB_INCBIN(ov_web_app_css_br, "app.css.br");
OV_WEB_INCBIN(ov_web_index_html, "index.html");

extern "C" const char ov_web_app_js[], ov_web_app_js_end[];
extern "C" const char ov_web_app_js_gz[], ov_web_app_js_gz_end[];
extern "C" const char ov_web_app_js_br[], ov_web_app_js_br_end[];
extern "C" const char ov_web_app_css[], ov_web_app_css_end[];
extern "C" const char ov_web_app_css_gz[], ov_web_app_css_gz_end[];
extern "C" const char ov_web_app_css_br[], ov_web_app_css_br_end[];
extern "C" const char ov_web_index_html[], ov_web_index_html_end[];

namespace ov::api::web_assets {
namespace {
std::string_view bytes(const char* begin, const char* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}
}  // namespace

bool available() {
  return true;
}
File app_js() {
  return {bytes(ov_web_app_js, ov_web_app_js_end), bytes(ov_web_app_js_gz, ov_web_app_js_gz_end),
          bytes(ov_web_app_js_br, ov_web_app_js_br_end)};
}
File app_css() {
  return {bytes(ov_web_app_css, ov_web_app_css_end),
          bytes(ov_web_app_css_gz, ov_web_app_css_gz_end),
          bytes(ov_web_app_css_br, ov_web_app_css_br_end)};
}
std::string_view index_html() {
  return bytes(ov_web_index_html, ov_web_index_html_end);
}
}  // namespace ov::api::web_assets
#else
namespace ov::api::web_assets {
bool available() {
  return false;
}
File app_js() {
  return {};
}
File app_css() {
  return {};
}
std::string_view index_html() {
  return {};
}
}  // namespace ov::api::web_assets
#endif
