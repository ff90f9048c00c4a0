-- pdt schema, version 8 (PostgreSQL): commits.user_id, a copy of its
-- repository's user_id, and indexes in the listing's order (see
-- sqlite/008_commit_user.sql). Every insert must set user_id; NOT NULL
-- refuses one that does not.
ALTER TABLE commits ADD COLUMN user_id BIGINT;
UPDATE commits c SET user_id = r.user_id FROM repositories r WHERE r.id = c.repo_id;
ALTER TABLE commits ALTER COLUMN user_id SET NOT NULL;
CREATE INDEX commits_user_date ON commits (user_id, date DESC, id DESC);
DROP INDEX commits_repo_date;
CREATE INDEX commits_repo_date ON commits (repo_id, date DESC, id DESC);
-- commits_date_id (004) served the listing before user_id existed; the
-- automatic reports' "users with commits in a period" now seeks
-- commits_user_date per user, so it goes and commit inserts keep the same
-- number of indexes as before this migration.
DROP INDEX commits_date_id;
