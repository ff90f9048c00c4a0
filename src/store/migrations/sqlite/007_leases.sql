-- pdt schema, version 7 (SQLite): work divided across replicas (issue 10).
-- A pass of (user, source) is claimed by setting lease_owner (the replica's
-- random id) and lease_expires (Unix ms) on its sync_status row, only while
-- the row is free or its lease expired; the owner pushes lease_expires
-- forward while it works and clears both when it is done. next_due (Unix ms)
-- is the schedule every replica reads: the row is due once it has passed.
ALTER TABLE sync_status ADD COLUMN lease_owner   TEXT;
ALTER TABLE sync_status ADD COLUMN lease_expires INTEGER;
ALTER TABLE sync_status ADD COLUMN next_due      INTEGER;
CREATE INDEX sync_status_due ON sync_status (source, next_due);
CREATE INDEX sync_status_owner ON sync_status (lease_owner);

-- One rate-limit budget per upstream token across replicas. key is the
-- client's rate-limit key ("github:" + 16 hex digits of the token's SHA-256),
-- never the token. remaining: units not yet handed out in the window that
-- ends at reset_at (Unix s); blocked_until (Unix ms): a Retry-After or spent
-- budget nobody may send before.
CREATE TABLE ratelimit_budgets (
    key           TEXT    PRIMARY KEY,
    remaining     INTEGER,
    reset_at      INTEGER,
    blocked_until INTEGER,
    updated_at    INTEGER NOT NULL
);
