-- The maintenance ERP: clients → sites → equipment; interventions on them
-- with their technicians, work lines, parts, documents, signatures and
-- status changes; preventive plans; the audit trail of every change.
CREATE TABLE clients (
    id          BIGSERIAL PRIMARY KEY,
    -- What an ERP `client` user's role names (gateway identity): `ACME`.
    reference   TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    -- Where the validated intervention reports are sent.
    email       TEXT,
    phone       TEXT,
    address     TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE sites (
    id             BIGSERIAL PRIMARY KEY,
    client_id      BIGINT NOT NULL REFERENCES clients (id),
    name           TEXT NOT NULL,
    address        TEXT,
    postal_code    TEXT,
    city           TEXT,
    contact_name   TEXT,
    contact_phone  TEXT,
    contact_email  TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX sites_client_idx ON sites (client_id, name);

CREATE TABLE equipment (
    id             BIGSERIAL PRIMARY KEY,
    site_id        BIGINT NOT NULL REFERENCES sites (id),
    kind           TEXT NOT NULL,
    brand          TEXT,
    model          TEXT,
    serial_number  TEXT,
    installed_on   DATE,
    warranty_end   DATE,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX equipment_site_idx ON equipment (site_id);

-- The last number given each year: INT-2026-00042.
CREATE TABLE intervention_numbers (
    year        INTEGER PRIMARY KEY,
    last_value  INTEGER NOT NULL
);

CREATE TABLE maintenance_plans (
    id                BIGSERIAL PRIMARY KEY,
    equipment_id      BIGINT NOT NULL REFERENCES equipment (id),
    title             TEXT NOT NULL,
    description       TEXT,
    every             INTEGER NOT NULL CHECK (every > 0),
    unit              TEXT NOT NULL CHECK (unit IN ('day', 'week', 'month', 'year')),
    -- The date of the next preventive intervention still to plan.
    next_due          DATE NOT NULL,
    start_minute      INTEGER NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    duration_minutes  INTEGER NOT NULL CHECK (duration_minutes > 0),
    technician        TEXT,
    active            BOOLEAN NOT NULL DEFAULT TRUE,
    created_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX maintenance_plans_due_idx ON maintenance_plans (next_due) WHERE active;

CREATE TABLE interventions (
    id              BIGSERIAL PRIMARY KEY,
    number          TEXT NOT NULL UNIQUE,
    client_id       BIGINT NOT NULL REFERENCES clients (id),
    site_id         BIGINT NOT NULL REFERENCES sites (id),
    equipment_id    BIGINT REFERENCES equipment (id),
    kind            TEXT NOT NULL CHECK (kind IN ('corrective', 'preventive', 'installation', 'inspection')),
    priority        TEXT NOT NULL CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status          TEXT NOT NULL CHECK (status IN ('draft', 'planned', 'in_progress', 'done', 'validated', 'closed', 'cancelled')),
    title           TEXT NOT NULL,
    description     TEXT,
    planned_start   TIMESTAMPTZ,
    planned_end     TIMESTAMPTZ,
    -- The preventive plan and the due date this intervention was made for.
    plan_id         BIGINT REFERENCES maintenance_plans (id),
    plan_due        DATE,
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    UNIQUE (plan_id, plan_due),
    CHECK (planned_end IS NULL OR planned_start IS NULL OR planned_end > planned_start)
);
-- Lists are ordered by planned start, newest first, unplanned last.
CREATE INDEX interventions_planned_idx ON interventions (planned_start DESC NULLS LAST, id DESC);
CREATE INDEX interventions_status_idx ON interventions (status, planned_start DESC NULLS LAST, id DESC);
CREATE INDEX interventions_client_idx ON interventions (client_id, status, planned_start DESC NULLS LAST, id DESC);
CREATE INDEX interventions_site_idx ON interventions (site_id, planned_start DESC NULLS LAST);
CREATE INDEX interventions_equipment_idx ON interventions (equipment_id);

CREATE TABLE intervention_technicians (
    intervention_id  BIGINT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    -- The technician's e-mail address, as the gateway's identity names them.
    technician       TEXT NOT NULL,
    PRIMARY KEY (intervention_id, technician)
);
CREATE INDEX intervention_technicians_technician_idx ON intervention_technicians (technician, intervention_id);

CREATE TABLE intervention_lines (
    id               BIGSERIAL PRIMARY KEY,
    intervention_id  BIGINT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    work_date        DATE NOT NULL,
    technician       TEXT NOT NULL,
    minutes          INTEGER NOT NULL CHECK (minutes > 0),
    description      TEXT NOT NULL,
    travel_km        DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (travel_km >= 0),
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX intervention_lines_intervention_idx ON intervention_lines (intervention_id);
CREATE INDEX intervention_lines_date_idx ON intervention_lines (work_date);

CREATE TABLE intervention_parts (
    id               BIGSERIAL PRIMARY KEY,
    intervention_id  BIGINT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    reference        TEXT NOT NULL,
    label            TEXT,
    quantity         DOUBLE PRECISION NOT NULL CHECK (quantity > 0),
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX intervention_parts_intervention_idx ON intervention_parts (intervention_id);

CREATE TABLE documents (
    id               BIGSERIAL PRIMARY KEY,
    intervention_id  BIGINT NOT NULL REFERENCES interventions (id),
    kind             TEXT NOT NULL CHECK (kind IN ('photo_before', 'photo_after', 'document')),
    file_name        TEXT NOT NULL,
    media_type       TEXT NOT NULL,
    size_bytes       BIGINT NOT NULL,
    object_key       TEXT NOT NULL UNIQUE,
    uploaded_by      TEXT NOT NULL,
    uploaded_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_intervention_idx ON documents (intervention_id, id);

CREATE TABLE signatures (
    intervention_id  BIGINT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    signer_role      TEXT NOT NULL CHECK (signer_role IN ('client', 'technician')),
    signer_name      TEXT NOT NULL,
    image            BYTEA NOT NULL,
    signed_at        TIMESTAMPTZ NOT NULL,
    recorded_by      TEXT NOT NULL,
    PRIMARY KEY (intervention_id, signer_role)
);

CREATE TABLE status_changes (
    id               BIGSERIAL PRIMARY KEY,
    intervention_id  BIGINT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    from_status      TEXT,
    to_status        TEXT NOT NULL,
    actor            TEXT NOT NULL,
    comment          TEXT,
    at               TIMESTAMPTZ NOT NULL
);
CREATE INDEX status_changes_intervention_idx ON status_changes (intervention_id, id);

-- One row per reminder sent, so that two schedulers never send it twice.
CREATE TABLE reminders_sent (
    intervention_id  BIGINT NOT NULL REFERENCES interventions (id) ON DELETE CASCADE,
    kind             TEXT NOT NULL CHECK (kind IN ('tomorrow', 'overdue')),
    sent_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (intervention_id, kind)
);

CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    actor      TEXT NOT NULL,
    entity     TEXT NOT NULL,
    entity_id  BIGINT NOT NULL,
    action     TEXT NOT NULL,
    -- The fields written, as JSON.
    changes    TEXT NOT NULL
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_at_idx ON audit_log (at);
