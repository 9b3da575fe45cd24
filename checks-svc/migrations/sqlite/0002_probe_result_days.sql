-- A probe result belongs to the day of the check it pre-fills, in the
-- checks' time zone: at 23:30 UTC it is already the next day in Paris.
-- Results kept so far get their UTC date, as history counted them until now.
ALTER TABLE probe_results ADD COLUMN day TEXT NOT NULL DEFAULT '';
UPDATE probe_results SET day = substr(at, 1, 10);
CREATE INDEX probe_results_service_day_idx ON probe_results (service_id, day);
DROP INDEX probe_results_service_at_idx;
