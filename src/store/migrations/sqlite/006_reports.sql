-- pdt schema, version 6 (SQLite): daily and monthly reports (issue 12).
-- Report templates: Go text/template sources; at most one default per user
-- (the partial unique index), which the worker's automatic reports use.
CREATE TABLE report_templates (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX report_templates_user ON report_templates (user_id, id);
CREATE UNIQUE INDEX report_templates_one_default ON report_templates (user_id)
    WHERE is_default = 1;

-- One report per user, type and period: generating again replaces it.
-- period is 'YYYY-MM-DD' (daily) or 'YYYY-MM' (monthly), so text order is
-- date order. A deleted template leaves its reports (template_id NULL).
CREATE TABLE reports (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id INTEGER REFERENCES report_templates (id) ON DELETE SET NULL,
    report_type TEXT    NOT NULL CHECK (report_type IN ('daily', 'monthly')),
    period      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    file_url    TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (user_id, report_type, period)
);
CREATE INDEX reports_user_period ON reports (user_id, period DESC, id DESC);

-- What the worker's automatic generation has done per user: the last daily
-- date and monthly month it generated (or found nothing to report for), so a
-- restart neither skips nor repeats one. Written in the same transaction as
-- the report, so replicas (PostgreSQL) write each report once.
CREATE TABLE report_auto_state (
    user_id      INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_daily   TEXT    NOT NULL DEFAULT '',
    last_monthly TEXT    NOT NULL DEFAULT ''
);
