-- A client's public status page: the unguessable token of its link, when
-- one was made (anyone with the link reads the page; deleting the token
-- closes it).
ALTER TABLE clients ADD COLUMN status_token TEXT;
CREATE UNIQUE INDEX clients_status_token_idx ON clients (status_token);
