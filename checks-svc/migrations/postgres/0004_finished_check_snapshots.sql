-- A finished check records what was checked, as it was: its services' and
-- categories' labels and order are copied when it finishes, and deleting
-- or renaming the configuration later leaves it as it was mailed (a
-- deleted service's rows keep their copy, with no service_id).
-- email_error: why the last sending of the report failed, until one succeeds.
ALTER TABLE service_checks ADD COLUMN service_label TEXT;
ALTER TABLE service_checks ADD COLUMN service_position INTEGER;
ALTER TABLE service_checks ADD COLUMN category_id BIGINT;
ALTER TABLE service_checks ADD COLUMN category_label TEXT;
ALTER TABLE service_checks ADD COLUMN category_position INTEGER;
ALTER TABLE service_checks ALTER COLUMN service_id DROP NOT NULL;
ALTER TABLE service_checks DROP CONSTRAINT service_checks_service_id_fkey;
ALTER TABLE service_checks ADD CONSTRAINT service_checks_service_id_fkey
    FOREIGN KEY (service_id) REFERENCES services (id) ON DELETE SET NULL;
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
