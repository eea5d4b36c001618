#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstring>
#include <filesystem>
#include <mutex>

#include <fmt/format.h>

#include "message.hpp"
#include "transport.hpp"

namespace ov::mail {
namespace {

namespace json = boost::json;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct Easy {
  CURL* h = curl_easy_init();
  curl_slist* list = nullptr;
  ~Easy() {
    if (list) curl_slist_free_all(list);
    if (h) curl_easy_cleanup(h);
  }
};

// ---- outbox: one .eml file per mail -----------------------------------------------------

class OutboxTransport final : public Transport {
 public:
  explicit OutboxTransport(std::string dir) : dir_(std::move(dir)) {}

  Result<void> send(const Envelope& e, const std::string& text, const std::string& html) override {
    std::error_code ec;
    std::filesystem::create_directories(dir_, ec);
    if (ec) return Error{Errc::unavailable, fmt::format("outbox {}: {}", dir_, ec.message())};
    const std::string message = mime_message(e, text, html);
    const std::string stem = fmt::format("{:013}-{}", e.date_ms, e.message_id.substr(0, 36));
    const auto final_path = std::filesystem::path(dir_) / (stem + ".eml");
    const auto temp_path = std::filesystem::path(dir_) / ("." + stem + ".tmp");
    int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) return Error{Errc::unavailable, fmt::format("cannot write {}", temp_path.string())};
    std::size_t done = 0;
    while (done < message.size()) {
      ssize_t n = ::write(fd, message.data() + done, message.size() - done);
      if (n <= 0) {
        ::close(fd);
        std::filesystem::remove(temp_path, ec);
        return Error{Errc::unavailable, fmt::format("cannot write {}", temp_path.string())};
      }
      done += static_cast<std::size_t>(n);
    }
    const bool synced = ::fsync(fd) == 0;
    ::close(fd);
    if (!synced) return Error{Errc::unavailable, "cannot sync the outbox file"};
    std::filesystem::rename(temp_path, final_path, ec);
    if (ec) return Error{Errc::unavailable, fmt::format("outbox rename: {}", ec.message())};
    return {};
  }

 private:
  std::string dir_;
};

// ---- SMTP through libcurl ---------------------------------------------------------------

struct Reader {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* r = static_cast<Reader*>(user);
  const std::size_t n = std::min(size * count, r->data->size() - r->offset);
  std::memcpy(buffer, r->data->data() + r->offset, n);
  r->offset += n;
  return n;
}

class SmtpTransport final : public Transport {
 public:
  explicit SmtpTransport(TransportSettings s) : s_(std::move(s)) { global_init(); }

  Result<void> send(const Envelope& e, const std::string& text, const std::string& html) override {
    const std::string message = mime_message(e, text, html);
    Easy c;
    if (!c.h) return Error{Errc::unavailable, "curl_easy_init failed"};
    Reader reader{&message};
    const std::string from = "<" + e.from.email + ">";
    const std::string to = "<" + e.to.email + ">";
    c.list = curl_slist_append(c.list, to.c_str());
    curl_easy_setopt(c.h, CURLOPT_URL, s_.smtp_url.c_str());
    curl_easy_setopt(c.h, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(c.h, CURLOPT_MAIL_RCPT, c.list);
    curl_easy_setopt(c.h, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(c.h, CURLOPT_READDATA, &reader);
    curl_easy_setopt(c.h, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c.h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(c.h, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));  // STARTTLS
    curl_easy_setopt(c.h, CURLOPT_TIMEOUT, s_.timeout_s);
    curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
    if (!s_.smtp_username.empty()) {
      curl_easy_setopt(c.h, CURLOPT_USERNAME, s_.smtp_username.c_str());
      curl_easy_setopt(c.h, CURLOPT_PASSWORD, s_.smtp_password.c_str());
    }
    const CURLcode rc = curl_easy_perform(c.h);
    if (rc == CURLE_OK) return {};
    long code = 0;
    curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &code);
    // 5xx: the server refuses this mail for good (an unknown address...); 4xx and transport
    // failures are worth another try.
    const Errc kind = code >= 500 && code < 600 ? Errc::invalid_argument : Errc::unavailable;
    return Error{kind, fmt::format("SMTP {}: {}{}", s_.smtp_url, curl_easy_strerror(rc),
                                   code ? fmt::format(" (reply {})", code) : "")};
  }

 private:
  TransportSettings s_;
};

// ---- Brevo's transactional email API ----------------------------------------------------

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() < 4096) out->append(data, std::min(size * count, 4096 - out->size()));
  return size * count;
}

class BrevoTransport final : public Transport {
 public:
  explicit BrevoTransport(TransportSettings s) : s_(std::move(s)) { global_init(); }

  Result<void> send(const Envelope& e, const std::string& text, const std::string& html) override {
    json::object sender{{"email", e.from.email}};
    if (!e.from.name.empty()) sender["name"] = e.from.name;
    json::object to{{"email", e.to.email}};
    if (!e.to.name.empty()) to["name"] = e.to.name;
    const std::string body = json::serialize(
        json::object{{"sender", std::move(sender)},
                     {"to", json::array{std::move(to)}},
                     {"subject", e.subject},
                     {"htmlContent", html},
                     {"textContent", text},
                     {"headers", json::object{{"Message-ID", "<" + e.message_id + ">"}}}});
    Easy c;
    if (!c.h) return Error{Errc::unavailable, "curl_easy_init failed"};
    const std::string key = "api-key: " + s_.brevo_api_key;
    c.list = curl_slist_append(c.list, key.c_str());
    c.list = curl_slist_append(c.list, "content-type: application/json");
    c.list = curl_slist_append(c.list, "accept: application/json");
    std::string answer;
    curl_easy_setopt(c.h, CURLOPT_URL, s_.brevo_api_url.c_str());
    curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.list);
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt(c.h, CURLOPT_TIMEOUT, s_.timeout_s);
    curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT, 10L);
    curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c.h, CURLOPT_PROTOCOLS_STR, "http,https");
    const CURLcode rc = curl_easy_perform(c.h);
    if (rc != CURLE_OK) {
      return Error{Errc::unavailable,
                   fmt::format("Brevo {}: {}", s_.brevo_api_url, curl_easy_strerror(rc))};
    }
    long status = 0;
    curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return {};
    const Errc kind = status == 429 || status >= 500 ? Errc::unavailable : Errc::invalid_argument;
    return Error{kind, fmt::format("Brevo answered {}: {}", status, answer)};
  }

 private:
  TransportSettings s_;
};

}  // namespace

std::unique_ptr<Transport> make_transport(const TransportSettings& s) {
  if (s.kind == "smtp") return std::make_unique<SmtpTransport>(s);
  if (s.kind == "brevo") return std::make_unique<BrevoTransport>(s);
  return std::make_unique<OutboxTransport>(s.outbox_dir);
}

}  // namespace ov::mail
