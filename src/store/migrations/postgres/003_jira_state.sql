-- pdt schema, version 3 (PostgreSQL): what the Jira sync remembers between
-- passes (see sqlite/003_jira_state.sql).
ALTER TABLE sync_status ADD COLUMN last_success BIGINT;
ALTER TABLE jira_cards ADD COLUMN jira_sprint_id BIGINT;
CREATE INDEX sprints_user_start ON sprints (user_id, start_date DESC);
