ALTER TABLE detection_images DROP COLUMN annotated_deleted_at;
ALTER TABLE detection_images DROP COLUMN original_deleted_at;
