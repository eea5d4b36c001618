ALTER TABLE mail_outbox DROP COLUMN trace_state;
ALTER TABLE mail_outbox DROP COLUMN trace_parent;
ALTER TABLE detections DROP COLUMN trace_state;
ALTER TABLE detections DROP COLUMN trace_parent;
