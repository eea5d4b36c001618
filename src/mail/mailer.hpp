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
  // The opt-in daily report: the user's jobs of the 24 hours up to `until_ms`. At most one per
  // user and UTC day: its id is made from both, so a second one is not stored. False when it
  // could not be stored (logged).
  struct Figures {
    std::int64_t jobs = 0, images = 0, failed = 0;
    std::map<std::string, std::int64_t> objects_by_class;
  };
  bool daily_report(const User& user, std::int64_t until_ms, const Figures& figures);

 private:
  struct Data;
  // Stores the mail; `id` ("" for a new one) makes it idempotent. True when stored (or stored
  // already under that id).
  bool send(const char* kind, const User& user, Data& data, const std::string& id = {});

  storage::MailRepository& repo_;
  MailerSettings settings_;
  std::function<void()> wake_;
};

}  // namespace ov::mail
