-- pdt schema, version 5 (SQLite): several Jira sites ("workspaces") per user,
-- card descriptions and comments.
--
-- A workspace is one Jira site of one user (credentials stay per user, in
-- users.jira_email / jira_token). The user's first workspace (lowest id) is
-- what the profile's jira_workspace / jira_project_keys read and write.
-- Jira ids are unique per site only, so every Jira-side key (sprint id, issue
-- key, comment id) is unique per (user, workspace). last_success (the start
-- of the Jira incremental window) moves from sync_status to the workspace.
--
-- SQLite cannot add a NOT NULL foreign key column nor change a UNIQUE
-- constraint in place: sprints and jira_cards are copied aside, dropped
-- (children first, so no ON DELETE action fires on the rows being moved),
-- recreated and filled again with their ids kept. Each existing user's
-- jira_workspace / jira_project_keys becomes a workspace row and their sprints
-- and cards attach to it; sprints and cards of a user without a
-- jira_workspace (the site was cleared, so the data belonged to no site) are
-- not kept.
CREATE TABLE jira_workspaces (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace    TEXT    NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    project_keys TEXT    NOT NULL DEFAULT '',
    is_active    INTEGER NOT NULL DEFAULT 1,
    last_success INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (user_id, workspace)
);

INSERT INTO jira_workspaces (user_id, workspace, name, project_keys, is_active, last_success,
                             created_at, updated_at)
SELECT u.id, trim(u.jira_workspace), trim(u.jira_workspace), u.jira_project_keys, 1,
       (SELECT s.last_success FROM sync_status s WHERE s.user_id = u.id AND s.source = 'jira'),
       u.updated_at, u.updated_at
FROM users u WHERE trim(u.jira_workspace) <> '';

CREATE TABLE m005_sprints AS
SELECT s.*, w.id AS ws_id FROM sprints s JOIN jira_workspaces w ON w.user_id = s.user_id;
CREATE TABLE m005_cards AS
SELECT c.*, w.id AS ws_id FROM jira_cards c JOIN jira_workspaces w ON w.user_id = c.user_id;

DROP TABLE jira_cards;
DROP TABLE sprints;

CREATE TABLE sprints (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id     INTEGER NOT NULL REFERENCES jira_workspaces (id) ON DELETE CASCADE,
    jira_sprint_id   INTEGER NOT NULL,
    board_id         INTEGER,
    name             TEXT    NOT NULL DEFAULT '',
    state            TEXT    NOT NULL DEFAULT '',
    start_date       INTEGER,
    end_date         INTEGER,
    complete_date    INTEGER,
    issues_synced_at INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    UNIQUE (user_id, workspace_id, jira_sprint_id)
);
CREATE INDEX sprints_user_start ON sprints (user_id, start_date DESC);
CREATE INDEX sprints_workspace ON sprints (workspace_id);

CREATE TABLE jira_cards (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id    INTEGER NOT NULL REFERENCES jira_workspaces (id) ON DELETE CASCADE,
    card_key        TEXT    NOT NULL,
    summary         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT '',
    assignee        TEXT    NOT NULL DEFAULT '',
    issue_type      TEXT    NOT NULL DEFAULT '',
    description     TEXT    NOT NULL DEFAULT '',
    sprint_id       INTEGER REFERENCES sprints (id) ON DELETE SET NULL,
    jira_sprint_id  INTEGER,
    details_json    TEXT,
    jira_updated_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (user_id, workspace_id, card_key)
);
CREATE INDEX jira_cards_sprint ON jira_cards (sprint_id);
CREATE INDEX jira_cards_workspace ON jira_cards (workspace_id);

INSERT INTO sprints (id, user_id, workspace_id, jira_sprint_id, board_id, name, state,
                     start_date, end_date, complete_date, issues_synced_at, created_at,
                     updated_at)
SELECT id, user_id, ws_id, jira_sprint_id, board_id, name, state, start_date, end_date,
       complete_date, issues_synced_at, created_at, updated_at FROM m005_sprints;
INSERT INTO jira_cards (id, user_id, workspace_id, card_key, summary, status, assignee,
                        issue_type, sprint_id, jira_sprint_id, details_json, jira_updated_at,
                        created_at, updated_at)
SELECT id, user_id, ws_id, card_key, summary, status, assignee, issue_type, sprint_id,
       jira_sprint_id, details_json, jira_updated_at, created_at, updated_at FROM m005_cards;
DROP TABLE m005_sprints;
DROP TABLE m005_cards;

-- A card's comments as plain text. synced_at: when a pass last saw the
-- comment; a pass that has all of a card's comments marks the stored ones
-- (-1), writes what came and drops what is still marked (deleted upstream).
CREATE TABLE jira_comments (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    workspace_id INTEGER NOT NULL REFERENCES jira_workspaces (id) ON DELETE CASCADE,
    card_key     TEXT    NOT NULL,
    comment_id   TEXT    NOT NULL,
    author       TEXT    NOT NULL DEFAULT '',
    author_email TEXT    NOT NULL DEFAULT '',
    body         TEXT    NOT NULL DEFAULT '',
    commented_at INTEGER,
    synced_at    INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    UNIQUE (user_id, workspace_id, comment_id)
);
CREATE INDEX jira_comments_card ON jira_comments (workspace_id, card_key, commented_at);
