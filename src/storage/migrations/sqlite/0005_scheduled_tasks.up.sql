-- Scheduled tasks: one row per task. A run is claimed by moving next_run_at on from the due
-- time (compare and set), so each due time runs on one process; run_count is the run's
-- fencing token (a late finish of an older run records nothing). Times: Unix milliseconds.
CREATE TABLE scheduled_tasks (
  name             TEXT PRIMARY KEY NOT NULL,
  schedule         TEXT NOT NULL,
  next_run_at      INTEGER NOT NULL,
  run_count        INTEGER NOT NULL DEFAULT 0,
  last_started_at  INTEGER,
  last_finished_at INTEGER,
  last_ok          INTEGER,
  last_result      TEXT,
  last_holder      TEXT
) STRICT;
