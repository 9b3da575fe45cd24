-- The seed's invoice_jobs, with what the queue and the webhook step need.
-- `result` holds the answer the sync API would give (reports in base64),
-- sizes and SHA-256 of both reports beside it; uploads wait in the object
-- store until the job ends.
CREATE TABLE invoice_jobs (
    task_id              TEXT PRIMARY KEY,
    caller               TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'succeeded', 'failed')),
    source_kind          TEXT NOT NULL CHECK (source_kind IN ('pdf', 'images')),
    user_id              INTEGER,
    invoice_id           INTEGER,
    external_ref         TEXT,
    webhook_url          TEXT,
    request              TEXT NOT NULL,
    pages_done           INTEGER NOT NULL DEFAULT 0,
    pages_total          INTEGER,
    attempts             INTEGER NOT NULL DEFAULT 0,
    error_code           TEXT,
    error_detail         TEXT,
    result               TEXT,
    non_anonymous_size   INTEGER,
    anonymous_size       INTEGER,
    non_anonymous_sha256 TEXT,
    anonymous_sha256     TEXT,
    created_at           TEXT NOT NULL,
    started_at           TEXT,
    completed_at         TEXT
);
CREATE INDEX invoice_jobs_status_idx ON invoice_jobs (status);
CREATE INDEX invoice_jobs_created_idx ON invoice_jobs (created_at);

CREATE TABLE webhook_deliveries (
    task_id     TEXT NOT NULL REFERENCES invoice_jobs (task_id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    webhook_id  TEXT NOT NULL,
    at          TEXT NOT NULL,
    status_code INTEGER,
    error       TEXT,
    PRIMARY KEY (task_id, attempt)
);
