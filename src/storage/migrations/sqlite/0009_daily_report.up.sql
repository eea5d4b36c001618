-- The opt-in daily report mail (a user setting, off by default).
ALTER TABLE user_settings ADD COLUMN daily_report INTEGER NOT NULL DEFAULT 0
  CHECK (daily_report IN (0, 1));
