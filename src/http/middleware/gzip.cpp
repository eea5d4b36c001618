#include <zlib.h>

#include <cctype>
#include <charconv>
#include <optional>

#include "http/middleware.hpp"

namespace ov::http {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool gzip(const std::string& in, std::string& out) {
  z_stream zs{};
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return false;
  out.resize(deflateBound(&zs, static_cast<uLong>(in.size())) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

}  // namespace

bool compressible(const Response& response);

// The q-value of `coding_wanted` in an Accept-Encoding header: its own item, else "*"'s, else 0.
bool accepts_encoding(std::string_view header, std::string_view coding_wanted) {
  std::optional<double> named, star;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    auto semi = item.find(';');
    std::string_view coding = trim(item.substr(0, semi));
    bool is_named = iequals(coding, coding_wanted);
    if (!is_named && coding != "*") continue;
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string_view param = trim(item.substr(semi + 1));
      if (param.size() > 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=') {
        auto v = param.substr(2);
        std::from_chars(v.data(), v.data() + v.size(), q);
      }
    }
    (is_named ? named : star) = q;
  }
  return named ? *named > 0 : star && *star > 0;
}

bool accepts_gzip(std::string_view header) {
  return accepts_encoding(header, "gzip");
}

// Text only: images are compressed already, and a partial (206) body must stay byte-exact.
bool compressible(const Response& response) {
  if (response.status != 200 && response.status < 400) return false;
  auto ct = response.headers.get("Content-Type");
  if (!ct) return false;
  return ct->starts_with("application/json") || ct->starts_with("text/") ||
         ct->starts_with("application/javascript") || ct->find("+json") != std::string_view::npos;
}

void maybe_gzip(const Request& request, Response& response, std::size_t min_bytes) {
  if (response.body.size() < min_bytes || response.headers.has("Content-Encoding") ||
      !compressible(response)) {
    return;
  }
  auto ae = request.headers.get("Accept-Encoding");
  if (!ae || !accepts_gzip(*ae)) return;
  std::string compressed;
  if (!gzip(response.body, compressed) || compressed.size() >= response.body.size()) return;
  response.body = std::move(compressed);
  response.headers.set("Content-Encoding", "gzip");
  response.headers.add("Vary", "Accept-Encoding");
}

}  // namespace ov::http
