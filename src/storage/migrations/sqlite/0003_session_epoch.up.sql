-- A user's session epoch: every access and refresh token carries the epoch it was issued in;
-- a password change or a deactivation raises it, which ends every older token at once.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;
