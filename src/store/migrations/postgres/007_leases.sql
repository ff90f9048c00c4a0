-- pdt schema, version 7 (PostgreSQL): work divided across replicas and one
-- rate-limit budget per token (see sqlite/007_leases.sql). lease_expires,
-- next_due and blocked_until are BIGINT Unix milliseconds.
ALTER TABLE sync_status ADD COLUMN lease_owner   TEXT;
ALTER TABLE sync_status ADD COLUMN lease_expires BIGINT;
ALTER TABLE sync_status ADD COLUMN next_due      BIGINT;
CREATE INDEX sync_status_due ON sync_status (source, next_due);
CREATE INDEX sync_status_owner ON sync_status (lease_owner);

CREATE TABLE ratelimit_budgets (
    key           TEXT   PRIMARY KEY,
    remaining     BIGINT,
    reset_at      BIGINT,
    blocked_until BIGINT,
    updated_at    BIGINT NOT NULL
);
