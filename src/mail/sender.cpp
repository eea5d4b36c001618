#include "sender.hpp"

#include <algorithm>
#include <cmath>

#include <spdlog/spdlog.h>

#include "core/ids.hpp"
#include "obs/metrics.hpp"
#include "obs/trace.hpp"
#include "storage/mail.hpp"

namespace ov::mail {
namespace {

constexpr std::int64_t kMaxSleepMs = 1000;  // other nodes enqueue too: look again this often
constexpr double kMaxBackoffS = 3600;

void count(const std::string& kind, const char* result) {
  static auto& emails = obs::metrics().counter(
      "objectvision_emails_total",
      "Emails by kind and result: sent, retried (a failure to be tried again), failed (for "
      "good).",
      {"kind", "result"});
  emails.with({kind, result}).add();
}

std::string domain_of(const std::string& email) {
  auto at = email.rfind('@');
  return at == std::string::npos ? std::string("localhost") : email.substr(at + 1);
}

}  // namespace

Sender::Sender(storage::MailRepository& repo, std::unique_ptr<Transport> transport,
               SenderSettings settings, std::string holder)
    : repo_(repo),
      transport_(std::move(transport)),
      settings_(std::move(settings)),
      holder_(std::move(holder)) {}

Sender::~Sender() {
  stop();
}

void Sender::start() {
  thread_ = std::thread([this] { loop(); });
}

void Sender::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Sender::notify() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_all();
}

int Sender::run_due() {
  int tried = 0;
  while (send_one()) ++tried;
  return tried;
}

bool Sender::send_one() {
  const std::int64_t now = now_ms();
  auto claimed = repo_.claim(holder_, now, settings_.lease_ms);
  if (!claimed) {
    spdlog::warn("mail: cannot claim a mail: {}", claimed.error().message);
    return false;
  }
  if (!claimed.value()) return false;
  const storage::OutgoingMail& m = *claimed.value();
  // Sending continues the trace of what caused the mail (a signup, a job); log lines name it.
  const auto cause = obs::parse_traceparent(m.trace_parent, m.trace_state);
  obs::Span span = obs::Span::start("email.send", obs::SpanKind::client, cause ? &*cause : nullptr);
  obs::SpanScope in_span(span);
  span.set("objectvision.mail.id", m.id);
  span.set("objectvision.mail.kind", m.kind);
  span.set("objectvision.mail.attempt", m.attempts);
  Envelope e{settings_.from, Address{m.recipient, m.recipient_name}, m.subject,
             m.id + "@" + domain_of(settings_.from.email), now};
  auto sent = transport_->send(e, m.text_body, m.html_body);
  if (!sent) span.fail(sent.error().message);
  if (sent) {
    count(m.kind, "sent");
    spdlog::info("mail {} ({}) sent to {}", m.id, m.kind, m.recipient);
    if (auto r = repo_.sent(m.id, holder_, now_ms()); !r) {
      spdlog::warn("mail {}: sent, but not recorded as sent: {}", m.id, r.error().message);
    }
    return true;
  }
  const bool refused = sent.error().code == Errc::invalid_argument;
  if (refused || m.attempts >= settings_.max_attempts) {
    count(m.kind, "failed");
    spdlog::error("mail {} ({}) to {} failed for good after {} attempt(s): {}", m.id, m.kind,
                  m.recipient, m.attempts, sent.error().message);
    (void)repo_.failed(m.id, holder_, sent.error().message, std::nullopt);
    return true;
  }
  const double backoff = std::min(
      kMaxBackoffS, settings_.retry_backoff_s * std::pow(2.0, std::max(0, m.attempts - 1)));
  const auto retry_at = now_ms() + static_cast<std::int64_t>(backoff * 1000);
  count(m.kind, "retried");
  spdlog::warn("mail {} ({}) to {}: attempt {} failed, next in {:.1f}s: {}", m.id, m.kind,
               m.recipient, m.attempts, backoff, sent.error().message);
  (void)repo_.failed(m.id, holder_, sent.error().message, retry_at);
  return true;
}

void Sender::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    poked_ = false;
    lock.unlock();
    std::int64_t sleep_ms = kMaxSleepMs;
    try {
      run_due();
      if (auto due = repo_.next_due(); due && due.value()) {
        sleep_ms = std::clamp<std::int64_t>(*due.value() - now_ms(), 1, kMaxSleepMs);
      }
    } catch (const std::exception& e) {
      spdlog::warn("mail sender: {}", e.what());
    }
    lock.lock();
    wake_.wait_for(lock, std::chrono::milliseconds(sleep_ms),
                   [this] { return stopping_ || poked_; });
  }
}

}  // namespace ov::mail
