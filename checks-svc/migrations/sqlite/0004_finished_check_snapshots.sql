-- A finished check records what was checked, as it was: its services' and
-- categories' labels and order are copied when it finishes, and deleting
-- or renaming the configuration later leaves it as it was mailed (a
-- deleted service's rows keep their copy, with no service_id). SQLite
-- cannot change a foreign key in place: the table is rebuilt.
-- email_error: why the last sending of the report failed, until one succeeds.
CREATE TABLE service_checks_snapshots (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    check_id      BIGINT NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    service_id    BIGINT REFERENCES services (id) ON DELETE SET NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'success', 'warning', 'error')),
    status_source TEXT,
    comment       TEXT,
    intervenant   TEXT,
    probe_detail  TEXT,
    updated_at    TEXT,
    updated_by    TEXT,
    service_label TEXT,
    service_position INTEGER,
    category_id   BIGINT,
    category_label TEXT,
    category_position INTEGER,
    UNIQUE (check_id, service_id)
);
INSERT INTO service_checks_snapshots
    (id, check_id, service_id, status, status_source, comment, intervenant, probe_detail, updated_at, updated_by)
    SELECT id, check_id, service_id, status, status_source, comment, intervenant, probe_detail, updated_at, updated_by
    FROM service_checks;
DROP TABLE service_checks;
ALTER TABLE service_checks_snapshots RENAME TO service_checks;
CREATE INDEX service_checks_service_idx ON service_checks (service_id);
ALTER TABLE checks ADD COLUMN email_error TEXT;

UPDATE service_checks SET
    service_label = (SELECT s.label FROM services s WHERE s.id = service_checks.service_id),
    service_position = (SELECT s.position FROM services s WHERE s.id = service_checks.service_id),
    category_id = (SELECT s.category_id FROM services s WHERE s.id = service_checks.service_id),
    category_label = (SELECT c.label FROM services s JOIN categories c ON c.id = s.category_id
                      WHERE s.id = service_checks.service_id),
    category_position = (SELECT c.position FROM services s JOIN categories c ON c.id = s.category_id
                         WHERE s.id = service_checks.service_id)
WHERE check_id IN (SELECT id FROM checks WHERE status IN ('success', 'warning', 'error'));
