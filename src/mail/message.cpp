#include "message.hpp"

#include <ctime>

#include <fmt/format.h>

namespace ov::mail {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += kBase64[(v >> 6) & 63];
    out += kBase64[v & 63];
  }
  if (i < in.size()) {
    unsigned v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Text with CRLF line ends (MIME's canonical form), base64 in lines of at most 76 characters
// (RFC 2045).
std::string base64_body(std::string_view in) {
  std::string crlf;
  crlf.reserve(in.size() + in.size() / 40);
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\n' && (i == 0 || in[i - 1] != '\r')) crlf += '\r';
    crlf += in[i];
  }
  const std::string flat = base64(crlf);
  std::string out;
  for (std::size_t i = 0; i < flat.size(); i += 76) {
    out += flat.substr(i, 76);
    out += "\r\n";
  }
  return out;
}

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n' || c == '\0') ? ' ' : c;
  return out;
}

bool plain_atom_text(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '=' || c == '?') return false;
  }
  return true;
}

// RFC 2047 B-encoding in pieces that keep UTF-8 sequences whole and words under 76 bytes.
std::string encoded_words(std::string_view s) {
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t end = std::min(s.size(), i + 45);
    while (end < s.size() && end > i && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) {
      --end;  // not in the middle of a UTF-8 sequence
    }
    if (end == i) end = std::min(s.size(), i + 45);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + base64(s.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string header_text(std::string_view value) {
  std::string v = one_line(value);
  return plain_atom_text(v) ? v : encoded_words(v);
}

std::string rfc5322_date(std::int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

}  // namespace

std::string format_address(const Address& a) {
  const std::string email = one_line(a.email);
  if (a.name.empty()) return "<" + email + ">";
  const std::string name = one_line(a.name);
  if (plain_atom_text(name)) return "\"" + name + "\" <" + email + ">";
  return encoded_words(name) + " <" + email + ">";
}

std::string mime_message(const Envelope& e, const std::string& text, const std::string& html) {
  const std::string boundary = "=_ov_" + base64(e.message_id).substr(0, 24);
  std::string m;
  m += "From: " + format_address(e.from) + "\r\n";
  m += "To: " + format_address(e.to) + "\r\n";
  m += "Subject: " + header_text(e.subject) + "\r\n";
  m += "Date: " + rfc5322_date(e.date_ms) + "\r\n";
  m += "Message-ID: <" + one_line(e.message_id) + ">\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
  m += "\r\n";
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_body(text);
  m += "--" + boundary + "\r\n";
  m += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
  m += base64_body(html);
  m += "--" + boundary + "--\r\n";
  return m;
}

}  // namespace ov::mail
