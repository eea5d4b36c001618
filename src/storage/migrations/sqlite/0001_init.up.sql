-- The whole data model (DESIGN.md §5). Ids are UUID text; timestamps are INTEGER Unix epoch
-- milliseconds; booleans are INTEGER 0/1. STRICT tables reject values of the wrong type.

CREATE TABLE users (
  id            TEXT PRIMARY KEY NOT NULL,
  email         TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  name          TEXT NOT NULL DEFAULT '',
  role          TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  is_active     INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL
) STRICT;
-- Emails are stored lower-cased by the caller; the index keeps them unique whatever the case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_created_at_idx ON users (created_at);

CREATE TABLE user_settings (
  user_id       TEXT PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  theme         TEXT NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
  notifications INTEGER NOT NULL DEFAULT 1 CHECK (notifications IN (0, 1)),
  api_key_hash  TEXT UNIQUE
) STRICT;

CREATE TABLE refresh_tokens (
  jti        TEXT PRIMARY KEY NOT NULL,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id  TEXT NOT NULL,
  issued_at  INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  used       INTEGER NOT NULL DEFAULT 0 CHECK (used IN (0, 1)),
  revoked    INTEGER NOT NULL DEFAULT 0 CHECK (revoked IN (0, 1))
) STRICT;
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

CREATE TABLE access_blacklist (
  jti        TEXT PRIMARY KEY NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX access_blacklist_expires_at_idx ON access_blacklist (expires_at);

CREATE TABLE detections (
  id              TEXT PRIMARY KEY NOT NULL,
  user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name            TEXT NOT NULL DEFAULT '',
  status          TEXT NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')),
  params          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(params)),
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  started_at      INTEGER,
  finished_at     INTEGER,
  error           TEXT,
  image_count     INTEGER NOT NULL DEFAULT 0 CHECK (image_count >= 0),
  processed_count INTEGER NOT NULL DEFAULT 0 CHECK (processed_count >= 0)
) STRICT;
-- History pages per user, newest first; its leading column serves lookups by user_id too.
CREATE INDEX detections_user_id_created_at_idx ON detections (user_id, created_at DESC);
CREATE INDEX detections_status_idx ON detections (status);
CREATE INDEX detections_created_at_idx ON detections (created_at);

CREATE TABLE detection_images (
  id             TEXT PRIMARY KEY NOT NULL,
  detection_id   TEXT NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  position       INTEGER NOT NULL DEFAULT 0,
  original_path  TEXT NOT NULL,
  annotated_path TEXT,
  content_type   TEXT,
  width          INTEGER,
  height         INTEGER,
  processed      INTEGER NOT NULL DEFAULT 0 CHECK (processed IN (0, 1)),
  error          TEXT,
  UNIQUE (detection_id, position)
) STRICT;

CREATE TABLE detection_results (
  id           TEXT PRIMARY KEY NOT NULL,
  detection_id TEXT NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  image_id     TEXT NOT NULL REFERENCES detection_images (id) ON DELETE CASCADE,
  object_class TEXT NOT NULL,
  class_id     INTEGER NOT NULL,
  confidence   REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  bbox_x       REAL NOT NULL,
  bbox_y       REAL NOT NULL,
  bbox_width   REAL NOT NULL,
  bbox_height  REAL NOT NULL
) STRICT;
CREATE INDEX detection_results_detection_id_idx ON detection_results (detection_id);
CREATE INDEX detection_results_image_id_idx ON detection_results (image_id);

-- The durable job queue of the embedded shape (Redis Streams replace it when scaled out).
-- A job is 'queued' until available_at, 'running' while locked_by holds it until locked_until,
-- then 'done' or, after max_attempts, 'failed'.
CREATE TABLE job_queue (
  id           TEXT PRIMARY KEY NOT NULL,
  detection_id TEXT NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  status       TEXT NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 3,
  available_at INTEGER NOT NULL,
  locked_by    TEXT,
  locked_until INTEGER,
  last_error   TEXT,
  created_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX job_queue_status_available_at_idx ON job_queue (status, available_at);
CREATE INDEX job_queue_detection_id_idx ON job_queue (detection_id);
