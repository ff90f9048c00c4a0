-- pdt schema, version 4 (SQLite): newest-first listings across all of a
-- user's repositories (GET /api/commits?limit=N) walk this index and stop
-- after N rows instead of sorting every commit (9 ms -> 0.2 ms for 100 of
-- 50,000 rows). The planner picks it once it has statistics: store_optimize()
-- (a sampled ANALYZE) runs at start-up and after every worker pass.
CREATE INDEX commits_date_id ON commits (date DESC, id DESC);
