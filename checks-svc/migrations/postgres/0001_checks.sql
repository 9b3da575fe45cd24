-- The Check du Matin model of the original application: clients →
-- categories → services; one check per client and working day with one
-- service check per service; mailing lists, holidays. Beyond it: probes
-- that pre-fill service checks, their raw results (kept a few days) and
-- their daily aggregates (kept as long as the checks).
CREATE TABLE clients (
    id               BIGSERIAL PRIMARY KEY,
    -- What a gestionnaire's roles name (gateway identity): `acme`.
    reference        TEXT NOT NULL UNIQUE,
    label            TEXT NOT NULL,
    report_template  TEXT NOT NULL DEFAULT 'standard',
    -- Minutes after midnight, Europe/Paris, when the day's check is due.
    check_minute     INTEGER NOT NULL CHECK (check_minute BETWEEN 0 AND 1439),
    -- When a still-open check triggers a reminder (minutes after midnight).
    reminder_minute  INTEGER CHECK (reminder_minute BETWEEN 0 AND 1439),
    sender           TEXT,
    logo             BYTEA,
    logo_type        TEXT,
    active           BOOLEAN NOT NULL DEFAULT TRUE,
    created_at       TIMESTAMPTZ NOT NULL
);

CREATE TABLE mailing_recipients (
    client_id  BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('to', 'cc', 'reminder')),
    address    TEXT NOT NULL,
    PRIMARY KEY (client_id, kind, address)
);

CREATE TABLE categories (
    id         BIGSERIAL PRIMARY KEY,
    client_id  BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    label      TEXT NOT NULL,
    position   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX categories_client_idx ON categories (client_id);

CREATE TABLE services (
    id           BIGSERIAL PRIMARY KEY,
    category_id  BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
    label        TEXT NOT NULL,
    position     INTEGER NOT NULL DEFAULT 0,
    -- The probe, as JSON (kind and its parameters), if any.
    probe        TEXT,
    -- Heartbeat probes: the secret part of the URL the job calls.
    heartbeat_token  TEXT UNIQUE,
    last_heartbeat_at TIMESTAMPTZ
);
CREATE INDEX services_category_idx ON services (category_id);

CREATE TABLE checks (
    id             BIGSERIAL PRIMARY KEY,
    client_id      BIGINT NOT NULL REFERENCES clients (id) ON DELETE CASCADE,
    check_date     DATE NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'in_progress', 'success', 'warning', 'error')),
    notes          TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    finished_by    TEXT,
    email_sent_at  TIMESTAMPTZ,
    reminder_sent_at TIMESTAMPTZ,
    UNIQUE (client_id, check_date)
);
CREATE INDEX checks_date_idx ON checks (check_date);

CREATE TABLE service_checks (
    id            BIGSERIAL PRIMARY KEY,
    check_id      BIGINT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    service_id    BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'success', 'warning', 'error')),
    -- 'probe' while only a probe has set the status; then who confirmed it.
    status_source TEXT,
    comment       TEXT,
    intervenant   TEXT,
    probe_detail  TEXT,
    updated_at    TIMESTAMPTZ,
    updated_by    TEXT,
    UNIQUE (check_id, service_id)
);
CREATE INDEX service_checks_service_idx ON service_checks (service_id);

CREATE TABLE holidays (
    day    DATE PRIMARY KEY,
    label  TEXT NOT NULL
);

CREATE TABLE maintenance_windows (
    id          BIGSERIAL PRIMARY KEY,
    service_id  BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    reason      TEXT
);
CREATE INDEX maintenance_windows_service_idx ON maintenance_windows (service_id, ends_at);

CREATE TABLE probe_results (
    service_id  BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    at          TIMESTAMPTZ NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('success', 'warning', 'error')),
    latency_ms  DOUBLE PRECISION,
    detail      TEXT NOT NULL
);
CREATE INDEX probe_results_service_at_idx ON probe_results (service_id, at);

-- One row per service and day once the day is over: history stays a few
-- hundred rows per service and year, however often probes run.
CREATE TABLE probe_daily (
    service_id      BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    day             DATE NOT NULL,
    runs            BIGINT NOT NULL,
    failures        BIGINT NOT NULL,
    warnings        BIGINT NOT NULL,
    latency_avg_ms  DOUBLE PRECISION,
    latency_max_ms  DOUBLE PRECISION,
    PRIMARY KEY (service_id, day)
);
