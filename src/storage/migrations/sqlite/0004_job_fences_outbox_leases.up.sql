-- A job's fence: raised each time a worker starts it; a worker's writes carry the fence it was
-- given, so a worker that lost its job (another started it) cannot write any more.
ALTER TABLE detections ADD COLUMN fence INTEGER NOT NULL DEFAULT 0;
CREATE INDEX detections_status_updated_at_idx ON detections (status, updated_at);

-- The scaled shape's outbox: a job's queue entry, written in the job's transaction and
-- published to Redis after the commit (the row goes once it is published).
CREATE TABLE job_outbox (
  detection_id TEXT PRIMARY KEY NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX job_outbox_created_at_idx ON job_outbox (created_at);

-- Named leases with fencing tokens (one holder at a time across processes).
CREATE TABLE leases (
  name       TEXT PRIMARY KEY NOT NULL,
  holder     TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  fence      INTEGER NOT NULL DEFAULT 1
) STRICT;
