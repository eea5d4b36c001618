#pragma once
// An email as RFC 5322 / MIME text: multipart/alternative with a text/plain and a text/html
// part (UTF-8, base64), display names and subjects as RFC 2047 encoded words when they are not
// plain ASCII, no header a value could break (CR and LF never reach a header).
#include <cstdint>
#include <string>

namespace ov::mail {

struct Address {
  std::string email;
  std::string name;  // may be empty
};

struct Envelope {
  Address from;
  Address to;
  std::string subject;
  std::string message_id;  // without the angle brackets: "<uuid>@<domain>"
  std::int64_t date_ms = 0;
};

std::string mime_message(const Envelope& envelope, const std::string& text,
                         const std::string& html);

// "Name" <a@b> (encoded as needed), or <a@b> without a name.
std::string format_address(const Address& address);

}  // namespace ov::mail
