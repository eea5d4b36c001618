#include "storage/sql/mail_repository.hpp"

#include <fmt/format.h>

#include "core/ids.hpp"

namespace ov::storage::sql {

SqlMailRepository::SqlMailRepository(Pool& pool, Dialect d) : pool_(pool) {
  const bool pg = d.kind() == Dialect::Kind::postgres;
  insert_ = fmt::format(
      "INSERT INTO mail_outbox (id, kind, recipient, recipient_name, subject, text_body, "
      "html_body, available_at, created_at, trace_parent, trace_state) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7, {0}, {0}, $9, $10)",
      d.time_param(8));
  claim_ = fmt::format(
      "UPDATE mail_outbox SET status = 'sending', attempts = attempts + 1, locked_by = $1, "
      "locked_until = {1} WHERE id = (SELECT id FROM mail_outbox "
      "WHERE (status = 'pending' AND available_at <= {0}) "
      "OR (status = 'sending' AND locked_until < {0}) "
      "ORDER BY available_at, {2} LIMIT 1{3}) "
      "RETURNING id, kind, recipient, recipient_name, subject, text_body, html_body, attempts, "
      "trace_parent, trace_state",
      d.time_param(2), d.time_param(3), pg ? "seq" : "rowid", pg ? " FOR UPDATE SKIP LOCKED" : "");
  sent_ = fmt::format(
      "UPDATE mail_outbox SET status = 'sent', sent_at = {}, locked_by = NULL, "
      "locked_until = NULL, last_error = NULL WHERE id = $1 AND locked_by = $2",
      d.time_param(3));
  retry_ = fmt::format(
      "UPDATE mail_outbox SET status = 'pending', available_at = {}, locked_by = NULL, "
      "locked_until = NULL, last_error = $3 WHERE id = $1 AND locked_by = $2",
      d.time_param(4));
  fail_ =
      "UPDATE mail_outbox SET status = 'failed', locked_by = NULL, locked_until = NULL, "
      "last_error = $3 WHERE id = $1 AND locked_by = $2";
  counts_ = "SELECT status, count(*) FROM mail_outbox GROUP BY status";
  next_due_ = fmt::format("SELECT {} FROM mail_outbox WHERE status = 'pending'",
                          d.time_column("min(available_at)"));
}

Result<void> SqlMailRepository::run(const std::string& sql, const Params& params) {
  auto r = pool_.with([&](Connection& c) { return c.query(sql, params); });
  if (!r) return r.error();
  return {};
}

Result<void> SqlMailRepository::enqueue(OutgoingMail& m, std::int64_t now_ms) {
  if (m.id.empty()) m.id = new_uuid();
  auto text_or_null = [](const std::string& v) { return v.empty() ? Value{Null{}} : Value{v}; };
  return run(insert_,
             {m.id, m.kind, m.recipient, m.recipient_name, m.subject, m.text_body, m.html_body,
              now_ms, text_or_null(m.trace_parent), text_or_null(m.trace_state)});
}

Result<std::optional<OutgoingMail>> SqlMailRepository::claim(const std::string& holder,
                                                             std::int64_t now_ms,
                                                             std::int64_t lease_ms) {
  auto rows = pool_.with([&](Connection& c) {
    return c.query(claim_, {holder, now_ms, now_ms + lease_ms});
  });
  if (!rows) return rows.error();
  if (rows.value().rows.empty()) return std::optional<OutgoingMail>();
  const Row& r = rows.value().rows.front();
  OutgoingMail m{r.text(0), r.text(1), r.text(2), r.text(3),
                 r.text(4), r.text(5), r.text(6), static_cast<int>(r.integer(7)),
                 r.text(8), r.text(9)};
  return std::optional<OutgoingMail>(std::move(m));
}

Result<void> SqlMailRepository::sent(const std::string& id, const std::string& holder,
                                     std::int64_t now_ms) {
  return run(sent_, {id, holder, now_ms});
}

Result<void> SqlMailRepository::failed(const std::string& id, const std::string& holder,
                                       const std::string& error,
                                       std::optional<std::int64_t> retry_at_ms) {
  if (retry_at_ms) return run(retry_, {id, holder, error, *retry_at_ms});
  return run(fail_, {id, holder, error});
}

Result<MailCounts> SqlMailRepository::counts() {
  auto rows = pool_.with([&](Connection& c) { return c.query(counts_, {}); });
  if (!rows) return rows.error();
  MailCounts out;
  for (const Row& r : rows.value().rows) {
    const std::string status = r.text(0);
    const std::int64_t n = r.integer(1);
    if (status == "pending") out.pending = n;
    if (status == "sending") out.sending = n;
    if (status == "sent") out.sent = n;
    if (status == "failed") out.failed = n;
  }
  return out;
}

Result<std::optional<std::int64_t>> SqlMailRepository::next_due() {
  auto rows = pool_.with([&](Connection& c) { return c.query(next_due_, {}); });
  if (!rows) return rows.error();
  if (rows.value().rows.empty() || rows.value().rows.front().is_null(0)) {
    return std::optional<std::int64_t>();
  }
  return std::optional<std::int64_t>(rows.value().rows.front().integer(0));
}

}  // namespace ov::storage::sql
