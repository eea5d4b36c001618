-- Upload facts the API serves (filename, size, a strong ETag from the SHA-256) and one job per
-- detection in the embedded queue. SQLite orders the queue by rowid (insertion order).
ALTER TABLE detection_images ADD COLUMN filename TEXT NOT NULL DEFAULT '';
ALTER TABLE detection_images ADD COLUMN file_size INTEGER;
ALTER TABLE detection_images ADD COLUMN sha256 TEXT;
CREATE UNIQUE INDEX job_queue_detection_id_key ON job_queue (detection_id);
