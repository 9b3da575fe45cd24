-- When a job waiting for a scheduled retry is due, and when a finished
-- job's webhook is (NULL once settled or given up): the in-process queue
-- and its timers live in memory, so a restart takes both up again from here.
ALTER TABLE invoice_jobs ADD COLUMN due_at TEXT;
ALTER TABLE invoice_jobs ADD COLUMN webhook_due_at TEXT;
CREATE INDEX invoice_jobs_webhook_due_idx ON invoice_jobs (webhook_due_at) WHERE webhook_due_at IS NOT NULL;
