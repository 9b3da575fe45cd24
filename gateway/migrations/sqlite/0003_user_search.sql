-- Name and e-mail lowercased by the gateway (Unicode-aware, which SQLite's
-- lower() is not), so that searches find "Élodie" from "élodie" on both engines.
ALTER TABLE users ADD COLUMN search_text TEXT NOT NULL DEFAULT '';
UPDATE users SET search_text = lower(name) || ' ' || email;
