#pragma once
// How a mail leaves: SMTP (libcurl; smtp:// with STARTTLS when the server offers it,
// smtps:// with TLS from the start), the Brevo transactional API (libcurl, JSON), or .eml
// files in an outbox directory (the embedded default). Errors: Errc::invalid_argument when the
// mail is refused for good (a rejected address, a 4xx from Brevo): it is not tried again;
// anything else (a server down, a timeout, 429, 5xx) is tried again later.
#include <memory>
#include <string>

#include "core/error.hpp"
#include "message.hpp"

namespace ov::mail {

struct TransportSettings {
  std::string kind = "outbox";  // outbox | smtp | brevo
  std::string outbox_dir;
  std::string smtp_url;  // smtp://host:587, smtps://host:465
  std::string smtp_username, smtp_password;
  std::string brevo_api_url, brevo_api_key;
  long timeout_s = 30;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual Result<void> send(const Envelope& envelope, const std::string& text,
                            const std::string& html) = 0;
};

std::unique_ptr<Transport> make_transport(const TransportSettings& settings);

}  // namespace ov::mail
