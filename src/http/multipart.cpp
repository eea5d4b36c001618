#include "http/multipart.hpp"

#include <algorithm>
#include <cctype>

#include "http/message.hpp"

namespace ov::http {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of `key` in `; key=value; key="quoted"` parameters.
std::optional<std::string> parameter(std::string_view header, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = header.find(';', pos)) != std::string_view::npos) {
    ++pos;
    std::string_view rest = trim(header.substr(pos));
    auto eq = rest.find('=');
    if (eq == std::string_view::npos) continue;
    if (!iequals(trim(rest.substr(0, eq)), key)) continue;
    std::string_view value = rest.substr(eq + 1);
    if (!value.empty() && value.front() == '"') {
      std::string out;
      for (std::size_t i = 1; i < value.size(); ++i) {
        if (value[i] == '\\' && i + 1 < value.size()) {
          out.push_back(value[++i]);
        } else if (value[i] == '"') {
          return out;
        } else {
          out.push_back(value[i]);
        }
      }
      return std::nullopt;  // unterminated quote
    }
    return std::string(trim(value.substr(0, value.find(';'))));
  }
  return std::nullopt;
}

Result<FormPart> parse_part(std::string_view part, const MultipartLimits& limits) {
  auto end = part.find("\r\n\r\n");
  if (end == std::string_view::npos || end > limits.max_part_header_bytes) {
    return Error{Errc::invalid_argument, "Malformed multipart part headers"};
  }
  FormPart out;
  bool disposition = false;
  std::string_view headers = part.substr(0, end);
  while (!headers.empty()) {
    auto eol = headers.find("\r\n");
    std::string_view line = headers.substr(0, eol);
    headers = eol == std::string_view::npos ? std::string_view() : headers.substr(eol + 2);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Content-Disposition")) {
      if (!iequals(trim(value.substr(0, value.find(';'))), "form-data")) {
        return Error{Errc::invalid_argument, "Multipart part is not form-data"};
      }
      auto field = parameter(value, "name");
      if (!field) return Error{Errc::invalid_argument, "Multipart part without a name"};
      out.name = std::move(*field);
      out.filename = parameter(value, "filename");
      disposition = true;
    } else if (iequals(name, "Content-Type")) {
      out.content_type = lower(trim(value.substr(0, value.find(';'))));
    }
  }
  if (!disposition)
    return Error{Errc::invalid_argument, "Multipart part without Content-Disposition"};
  out.data = part.substr(end + 4);
  return out;
}

}  // namespace

std::optional<std::string> multipart_boundary(std::string_view content_type) {
  if (!iequals(trim(content_type.substr(0, content_type.find(';'))), "multipart/form-data")) {
    return std::nullopt;
  }
  auto b = parameter(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

Result<std::vector<FormPart>> parse_multipart(std::string_view body, std::string_view boundary,
                                              const MultipartLimits& limits) {
  const std::string delimiter = "--" + std::string(boundary);
  // The first delimiter may follow a preamble (which then ends with CRLF); every later one
  // follows CRLF.
  auto pos = body.find(delimiter);
  if (pos == std::string_view::npos ||
      (pos != 0 && (pos < 2 || body.substr(pos - 2, 2) != "\r\n"))) {
    return Error{Errc::invalid_argument, "Multipart boundary not found"};
  }
  const std::string next = "\r\n" + delimiter;
  std::vector<FormPart> parts;
  pos += delimiter.size();
  for (;;) {
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") {
      return Error{Errc::invalid_argument, "Malformed multipart delimiter"};
    }
    pos += 2;
    auto end = body.find(next, pos);
    if (end == std::string_view::npos) {
      return Error{Errc::invalid_argument, "Multipart body is truncated"};
    }
    if (parts.size() == limits.max_parts) {
      return Error{Errc::invalid_argument, "Too many multipart parts"};
    }
    auto part = parse_part(body.substr(pos, end - pos), limits);
    if (!part) return part.error();
    parts.push_back(std::move(part.value()));
    pos = end + next.size();
  }
}

}  // namespace ov::http
