-- The opt-in daily report mail (a user setting, off by default).
ALTER TABLE user_settings ADD COLUMN daily_report boolean NOT NULL DEFAULT false;
