DROP TABLE leases;
DROP TABLE job_outbox;
DROP INDEX detections_status_updated_at_idx;
ALTER TABLE detections DROP COLUMN fence;
