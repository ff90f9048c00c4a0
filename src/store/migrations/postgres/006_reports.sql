-- pdt schema, version 6 (PostgreSQL): daily and monthly reports (issue 12); the
-- same tables as migrations/sqlite/006_reports.sql (checked on PostgreSQL 15: every
-- statement of the reports store prepares against it). Ids are BIGSERIAL, instants
-- BIGINT Unix seconds, flags INTEGER 0/1, as the SQLite tables keep them.
CREATE TABLE report_templates (
    id         BIGSERIAL PRIMARY KEY,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    content    TEXT    NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);
CREATE INDEX report_templates_user ON report_templates (user_id, id);
CREATE UNIQUE INDEX report_templates_one_default ON report_templates (user_id)
    WHERE is_default = 1;

CREATE TABLE reports (
    id          BIGSERIAL PRIMARY KEY,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    template_id BIGINT  REFERENCES report_templates (id) ON DELETE SET NULL,
    report_type TEXT    NOT NULL CHECK (report_type IN ('daily', 'monthly')),
    period      TEXT    NOT NULL,
    title       TEXT    NOT NULL,
    content     TEXT    NOT NULL,
    file_url    TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL,
    UNIQUE (user_id, report_type, period)
);
CREATE INDEX reports_user_period ON reports (user_id, period DESC, id DESC);

CREATE TABLE report_auto_state (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    last_daily   TEXT   NOT NULL DEFAULT '',
    last_monthly TEXT   NOT NULL DEFAULT ''
);
