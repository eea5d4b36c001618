#pragma once
// What the service mails, and when: welcome on signup, a job finished (counts per class and a
// link to it; only when the user's `notifications` setting is on), password changed, API key
// created. Each is rendered from its templates and stored in the mail_outbox table, from where
// a Sender sends it in the background: a request never waits for mail, and a mail that cannot
// be stored is logged and counted, never the caller's error.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/job.hpp"
#include "core/user.hpp"

namespace ov::storage {
class MailRepository;
}

namespace ov::mail {

struct MailerSettings {
  bool enabled = true;  // EMAIL_TRANSPORT=off: nothing is stored or sent
  std::string company = "ObjectVision";
  std::string frontend_base_url;  // links; none when empty
};

class Mailer {
 public:
  Mailer(storage::MailRepository& repo, MailerSettings settings);
  // Called after each mail is stored (a Sender of this process looks at once).
  void on_enqueued(std::function<void()> wake) { wake_ = std::move(wake); }

  void welcome(const User& user);
  void password_changed(const User& user, std::int64_t when_ms);
  void api_key_created(const User& user, std::int64_t when_ms);
  // `counts`: objects per class. Skipped when the user turned notifications off.
  void job_finished(const User& user, bool notifications, const Job& job,
                    const std::map<std::string, std::int64_t>& counts);

 private:
  struct Data;
  void send(const char* kind, const User& user, Data& data);

  storage::MailRepository& repo_;
  MailerSettings settings_;
  std::function<void()> wake_;
};

}  // namespace ov::mail
