-- pdt schema, version 4 (PostgreSQL): newest-first listings across all of a
-- user's repositories (GET /api/commits?limit=N) walk this index and stop
-- after N rows instead of sorting every commit.
CREATE INDEX commits_date_id ON commits (date DESC, id DESC);
