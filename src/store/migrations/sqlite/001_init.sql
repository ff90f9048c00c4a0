-- pdt schema, version 1 (SQLite). Instants are INTEGER Unix seconds (UTC);
-- booleans are INTEGER 0/1. Every user-owned row cascades from users.
CREATE TABLE users (
    id                INTEGER PRIMARY KEY,
    email             TEXT    NOT NULL,
    name              TEXT    NOT NULL DEFAULT '',
    password_hash     TEXT    NOT NULL,
    github_token      TEXT,             -- hex(nonce || AES-256-GCM ciphertext || tag)
    gitlab_token      TEXT,             -- same
    gitlab_url        TEXT    NOT NULL DEFAULT 'https://gitlab.com',
    jira_email        TEXT    NOT NULL DEFAULT '',
    jira_token        TEXT,             -- same
    jira_workspace    TEXT    NOT NULL DEFAULT '',
    jira_username     TEXT    NOT NULL DEFAULT '',
    jira_project_keys TEXT    NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

CREATE TABLE repositories (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL,
    owner          TEXT    NOT NULL,
    provider       TEXT    NOT NULL CHECK (provider IN ('github', 'gitlab')),
    url            TEXT    NOT NULL,
    is_valid       INTEGER NOT NULL DEFAULT 1,
    last_synced_at INTEGER,
    created_at     INTEGER NOT NULL,
    UNIQUE (user_id, url)
);

-- Unique per repository, not globally: two users tracking one repository each
-- get its commits through their own repository row.
CREATE TABLE commits (
    id            INTEGER PRIMARY KEY,
    repo_id       INTEGER NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    sha           TEXT    NOT NULL,
    message       TEXT    NOT NULL,
    author        TEXT    NOT NULL DEFAULT '',
    author_email  TEXT    NOT NULL DEFAULT '',
    branch        TEXT    NOT NULL DEFAULT '',
    date          INTEGER NOT NULL,
    jira_card_key TEXT,
    has_link      INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    UNIQUE (repo_id, sha)
);
CREATE INDEX commits_repo_date ON commits (repo_id, date DESC);
CREATE INDEX commits_card_key ON commits (jira_card_key);
CREATE INDEX commits_sha ON commits (sha);

CREATE TABLE commit_card_links (
    id            INTEGER PRIMARY KEY,
    commit_id     INTEGER NOT NULL REFERENCES commits (id) ON DELETE CASCADE,
    jira_card_key TEXT    NOT NULL,
    linked_at     INTEGER NOT NULL,
    UNIQUE (commit_id, jira_card_key)
);
CREATE INDEX commit_card_links_key ON commit_card_links (jira_card_key);

CREATE TABLE sprints (
    id               INTEGER PRIMARY KEY,
    user_id          INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
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
    UNIQUE (user_id, jira_sprint_id)
);

CREATE TABLE jira_cards (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    card_key        TEXT    NOT NULL,
    summary         TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL DEFAULT '',
    assignee        TEXT    NOT NULL DEFAULT '',
    issue_type      TEXT    NOT NULL DEFAULT '',
    sprint_id       INTEGER REFERENCES sprints (id) ON DELETE SET NULL,
    details_json    TEXT,
    jira_updated_at INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (user_id, card_key)
);
CREATE INDEX jira_cards_sprint ON jira_cards (sprint_id);

-- Per user and source ('commits' | 'jira'): what GET /api/sync/status shows.
CREATE TABLE sync_status (
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    source     TEXT    NOT NULL CHECK (source IN ('commits', 'jira')),
    status     TEXT    NOT NULL DEFAULT 'idle' CHECK (status IN ('idle', 'syncing')),
    last_sync  INTEGER,
    next_sync  INTEGER,
    last_error TEXT,
    PRIMARY KEY (user_id, source)
);
