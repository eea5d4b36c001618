-- The W3C trace context (traceparent, tracestate) of what made a job or a mail, continued by
-- the worker that runs the job and the sender that sends the mail. NULL: not traced.
ALTER TABLE detections ADD COLUMN trace_parent TEXT;
ALTER TABLE detections ADD COLUMN trace_state TEXT;
ALTER TABLE mail_outbox ADD COLUMN trace_parent TEXT;
ALTER TABLE mail_outbox ADD COLUMN trace_state TEXT;
