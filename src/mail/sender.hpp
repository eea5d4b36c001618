#pragma once
// Sends the mail of the mail_outbox table in the background: a thread claims a due mail (a
// lease, so a sender that dies leaves it to another), hands it to the transport and marks it
// sent; a failure is tried again after a backoff that doubles (MAIL_RETRY_BACKOFF_SECONDS,
// 2×, 4×..., at most an hour) until MAIL_MAX_ATTEMPTS, or at once failed for good when the
// transport says the mail is refused. Every outcome is logged and counted
// (objectvision_emails_total{kind,result}). Any number of senders may run, on any node.
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "message.hpp"
#include "transport.hpp"

namespace ov::storage {
class MailRepository;
}

namespace ov::mail {

struct SenderSettings {
  Address from;
  int max_attempts = 5;
  double retry_backoff_s = 30;
  std::int64_t lease_ms = 120'000;  // longer than a transport's timeout
};

class Sender {
 public:
  Sender(storage::MailRepository& repo, std::unique_ptr<Transport> transport,
         SenderSettings settings, std::string holder);
  ~Sender();  // stop()
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  void start();
  void stop();    // after the mail being sent, if any
  void notify();  // a mail was just enqueued in this process: look now

  // On the caller's thread: sends every mail due now; returns how many were tried.
  int run_due();

 private:
  bool send_one();  // false when none was due
  void loop();

  storage::MailRepository& repo_;
  std::unique_ptr<Transport> transport_;
  SenderSettings settings_;
  const std::string holder_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool poked_ = false;
  std::thread thread_;
};

}  // namespace ov::mail
