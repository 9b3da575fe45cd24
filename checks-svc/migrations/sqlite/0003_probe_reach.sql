-- Whether a service's probe may reach probes.allowed_networks: only when an
-- admin saved it. Probes saved before this was recorded reach public
-- addresses only until an admin saves them again.
ALTER TABLE services ADD COLUMN probe_reaches_allowed_networks BOOLEAN NOT NULL DEFAULT 0;
