ALTER TABLE user_settings DROP COLUMN daily_report;
