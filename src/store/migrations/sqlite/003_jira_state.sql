-- pdt schema, version 3 (SQLite): what the Jira sync remembers between passes.
-- sync_status.last_success: when the source's last fully successful pass
-- started; the Jira sync asks only for issues updated since then (minus an
-- overlap). jira_cards.jira_sprint_id keeps the card's Jira sprint even
-- before that sprint's row exists locally.
ALTER TABLE sync_status ADD COLUMN last_success INTEGER;
ALTER TABLE jira_cards ADD COLUMN jira_sprint_id INTEGER;
CREATE INDEX sprints_user_start ON sprints (user_id, start_date DESC);
