DROP INDEX IF EXISTS job_queue_detection_id_key;
ALTER TABLE detection_images DROP COLUMN sha256;
ALTER TABLE detection_images DROP COLUMN file_size;
ALTER TABLE detection_images DROP COLUMN filename;
