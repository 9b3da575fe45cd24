-- The seed's invoice_jobs, with what the queue and the webhook step need.
-- `result` holds the answer the sync API would give (reports in base64),
-- sizes and SHA-256 of both reports beside it; uploads wait in the object
-- store until the job ends.
CREATE TABLE invoice_jobs (
    task_id              TEXT PRIMARY KEY,
    caller               TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('queued', 'processing', 'succeeded', 'failed')),
    source_kind          TEXT NOT NULL CHECK (source_kind IN ('pdf', 'images')),
    user_id              BIGINT,
    invoice_id           BIGINT,
    external_ref         TEXT,
    webhook_url          TEXT,
    request              TEXT NOT NULL,
    pages_done           BIGINT NOT NULL DEFAULT 0,
    pages_total          BIGINT,
    attempts             BIGINT NOT NULL DEFAULT 0,
    error_code           TEXT,
    error_detail         TEXT,
    result               TEXT,
    non_anonymous_size   BIGINT,
    anonymous_size       BIGINT,
    non_anonymous_sha256 CHAR(64),
    anonymous_sha256     CHAR(64),
    created_at           TIMESTAMPTZ NOT NULL,
    started_at           TIMESTAMPTZ,
    completed_at         TIMESTAMPTZ
);
CREATE INDEX invoice_jobs_status_idx ON invoice_jobs (status);
CREATE INDEX invoice_jobs_created_idx ON invoice_jobs (created_at);

CREATE TABLE webhook_deliveries (
    task_id     TEXT NOT NULL REFERENCES invoice_jobs (task_id) ON DELETE CASCADE,
    attempt     BIGINT NOT NULL,
    webhook_id  TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    status_code BIGINT,
    error       TEXT,
    PRIMARY KEY (task_id, attempt)
);
