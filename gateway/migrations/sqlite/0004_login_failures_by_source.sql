-- Failures are counted per account and client address together, so that
-- wrong passwords from one address never lock the owner out from another;
-- the row whose source is '*' counts the account's failures from
-- everywhere, which slow further attempts down (no lock). Counts start afresh.
DROP TABLE login_failures;
CREATE TABLE login_failures (
    email TEXT NOT NULL,
    source TEXT NOT NULL,
    failures INTEGER NOT NULL,
    last_failure_at TEXT NOT NULL,
    locked_until TEXT,
    PRIMARY KEY (email, source)
);
