-- pdt schema, version 8 (SQLite): GET /api/commits walks an index in the
-- order it answers. commits had no user_id (it joins repositories), so the
-- planner listed a user's commits per repository (commits_repo_date) and
-- sorted them all in a temporary B-tree before the LIMIT: 4x slower than
-- PostgreSQL with 10,000 commits. commits.user_id is a copy of its
-- repository's user_id (a repository never changes owner; deleting the user
-- or repository still cascades through repositories), and
-- commits_user_date is in the listing's order (date DESC, id DESC), so a page
-- of N reads N index entries. commits_repo_date gets id too, for the
-- listing of one repository (?repo_id=).
--
-- Every insert must set user_id (DB_COMMIT_INSERT takes it from the
-- repository; pdt db copy copies it): a row without it is in no listing.
-- No trigger fills it here as PostgreSQL's does: an AFTER INSERT trigger,
-- even one whose WHEN is false, made every commit insert 5x slower
-- (bench_store: 6 -> 36 us per commit).
ALTER TABLE commits ADD COLUMN user_id INTEGER;
UPDATE commits SET user_id = (SELECT r.user_id FROM repositories r WHERE r.id = commits.repo_id);
CREATE INDEX commits_user_date ON commits (user_id, date DESC, id DESC);
DROP INDEX commits_repo_date;
CREATE INDEX commits_repo_date ON commits (repo_id, date DESC, id DESC);
-- commits_date_id (004) served the listing before user_id existed; the
-- automatic reports' "users with commits in a period" now seeks
-- commits_user_date per user, so it goes and commit inserts keep the same
-- number of indexes as before this migration.
DROP INDEX commits_date_id;
