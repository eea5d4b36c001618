-- Scheduled tasks: one row per task. A run is claimed by moving next_run_at on from the due
-- time (compare and set), so each due time runs on one process of one node; run_count is the
-- run's fencing token (a late finish of an older run records nothing).
CREATE TABLE scheduled_tasks (
  name             text PRIMARY KEY,
  schedule         text NOT NULL,
  next_run_at      timestamptz NOT NULL,
  run_count        bigint NOT NULL DEFAULT 0,
  last_started_at  timestamptz,
  last_finished_at timestamptz,
  last_ok          boolean,
  last_result      text,
  last_holder      text
);
