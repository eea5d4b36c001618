-- The whole data model (DESIGN.md §5), mirroring migrations/sqlite/0001_init.up.sql with
-- native types: uuid, timestamptz, boolean, jsonb, double precision.

CREATE TABLE users (
  id            uuid PRIMARY KEY,
  email         text NOT NULL,
  password_hash text NOT NULL,
  name          text NOT NULL DEFAULT '',
  role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
  is_active     boolean NOT NULL DEFAULT true,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
-- Emails are stored lower-cased by the caller; the index keeps them unique whatever the case.
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_created_at_idx ON users (created_at);

CREATE TABLE user_settings (
  user_id       uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  theme         text NOT NULL DEFAULT 'system' CHECK (theme IN ('light', 'dark', 'system')),
  notifications boolean NOT NULL DEFAULT true,
  api_key_hash  text UNIQUE
);

CREATE TABLE refresh_tokens (
  jti        text PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  family_id  text NOT NULL,
  issued_at  timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used       boolean NOT NULL DEFAULT false,
  revoked    boolean NOT NULL DEFAULT false
);
CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_expires_at_idx ON refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id);

CREATE TABLE access_blacklist (
  jti        text PRIMARY KEY,
  expires_at timestamptz NOT NULL
);
CREATE INDEX access_blacklist_expires_at_idx ON access_blacklist (expires_at);

CREATE TABLE detections (
  id              uuid PRIMARY KEY,
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name            text NOT NULL DEFAULT '',
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'processing', 'completed', 'failed', 'cancelled')),
  params          jsonb NOT NULL DEFAULT '{}',
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  started_at      timestamptz,
  finished_at     timestamptz,
  error           text,
  image_count     integer NOT NULL DEFAULT 0 CHECK (image_count >= 0),
  processed_count integer NOT NULL DEFAULT 0 CHECK (processed_count >= 0)
);
-- History pages per user, newest first; its leading column serves lookups by user_id too.
CREATE INDEX detections_user_id_created_at_idx ON detections (user_id, created_at DESC);
CREATE INDEX detections_status_idx ON detections (status);
CREATE INDEX detections_created_at_idx ON detections (created_at);

CREATE TABLE detection_images (
  id             uuid PRIMARY KEY,
  detection_id   uuid NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  position       integer NOT NULL DEFAULT 0,
  original_path  text NOT NULL,
  annotated_path text,
  content_type   text,
  width          integer,
  height         integer,
  processed      boolean NOT NULL DEFAULT false,
  error          text,
  UNIQUE (detection_id, position)
);

CREATE TABLE detection_results (
  id           uuid PRIMARY KEY,
  detection_id uuid NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  image_id     uuid NOT NULL REFERENCES detection_images (id) ON DELETE CASCADE,
  object_class text NOT NULL,
  class_id     integer NOT NULL,
  confidence   double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
  bbox_x       double precision NOT NULL,
  bbox_y       double precision NOT NULL,
  bbox_width   double precision NOT NULL,
  bbox_height  double precision NOT NULL
);
CREATE INDEX detection_results_detection_id_idx ON detection_results (detection_id);
CREATE INDEX detection_results_image_id_idx ON detection_results (image_id);

-- The durable job queue of the embedded shape (Redis Streams replace it when scaled out).
-- A job is 'queued' until available_at, 'running' while locked_by holds it until locked_until,
-- then 'done' or, after max_attempts, 'failed'.
CREATE TABLE job_queue (
  id           uuid PRIMARY KEY,
  detection_id uuid NOT NULL REFERENCES detections (id) ON DELETE CASCADE,
  status       text NOT NULL DEFAULT 'queued'
               CHECK (status IN ('queued', 'running', 'done', 'failed')),
  attempts     integer NOT NULL DEFAULT 0,
  max_attempts integer NOT NULL DEFAULT 3,
  available_at timestamptz NOT NULL DEFAULT now(),
  locked_by    text,
  locked_until timestamptz,
  last_error   text,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX job_queue_status_available_at_idx ON job_queue (status, available_at);
CREATE INDEX job_queue_detection_id_idx ON job_queue (detection_id);
