-- Retention (RETENTION_DAYS): when an image's original upload, or its annotated image, was
-- deleted from the file store by the files.retention task. NULL: the file is kept. The
-- results stay; the image routes answer 410 for a deleted file.
ALTER TABLE detection_images ADD COLUMN original_deleted_at TIMESTAMPTZ;
ALTER TABLE detection_images ADD COLUMN annotated_deleted_at TIMESTAMPTZ;
