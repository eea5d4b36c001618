#pragma once
// Mail waiting to be sent (the mail_outbox table): enqueued where something happens, claimed
// and sent by a sender in the background, retried with backoff, failed for good after its
// attempts. A claim is a lease: a sender that dies leaves the mail to another after it ends.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace ov::storage {

struct OutgoingMail {
  std::string id;
  std::string kind;  // welcome, job_finished, password_changed, api_key_created
  std::string recipient;
  std::string recipient_name;
  std::string subject;
  std::string text_body;
  std::string html_body;
  int attempts = 0;  // including the one this claim starts
  // The W3C trace context of what caused it (empty: not traced); sending it continues it.
  std::string trace_parent;
  std::string trace_state;
};

struct MailCounts {
  std::int64_t pending = 0, sending = 0, sent = 0, failed = 0;
};

class MailRepository {
 public:
  virtual ~MailRepository() = default;
  // Stores a new mail, due now. Fills in its id.
  virtual Result<void> enqueue(OutgoingMail& mail, std::int64_t now_ms) = 0;
  // The oldest due mail (pending and due, or sending with an expired lease), leased to
  // `holder` until now + lease; nullopt when none is due.
  virtual Result<std::optional<OutgoingMail>> claim(const std::string& holder, std::int64_t now_ms,
                                                    std::int64_t lease_ms) = 0;
  virtual Result<void> sent(const std::string& id, const std::string& holder,
                            std::int64_t now_ms) = 0;
  // Back to pending, due at retry_at; or failed for good when retry_at is nullopt.
  virtual Result<void> failed(const std::string& id, const std::string& holder,
                              const std::string& error,
                              std::optional<std::int64_t> retry_at_ms) = 0;
  virtual Result<MailCounts> counts() = 0;
  // The earliest time a pending mail is due (for the sender's sleep); nullopt when none.
  virtual Result<std::optional<std::int64_t>> next_due() = 0;
};

}  // namespace ov::storage
