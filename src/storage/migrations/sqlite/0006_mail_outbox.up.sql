-- Mail waiting to be sent, durable: a sender claims a due row with a lease (like job_queue),
-- sends it, marks it sent; a failure retries with backoff until its attempts are used up.
CREATE TABLE mail_outbox (
  id              TEXT PRIMARY KEY NOT NULL,
  kind            TEXT NOT NULL,
  recipient       TEXT NOT NULL,
  recipient_name  TEXT NOT NULL DEFAULT '',
  subject         TEXT NOT NULL,
  text_body       TEXT NOT NULL,
  html_body       TEXT NOT NULL,
  status          TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'sending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  available_at    INTEGER NOT NULL,
  locked_by       TEXT,
  locked_until    INTEGER,
  last_error      TEXT,
  created_at      INTEGER NOT NULL,
  sent_at         INTEGER
) STRICT;
CREATE INDEX mail_outbox_due_idx ON mail_outbox (status, available_at);
