-- pdt schema, version 2 (PostgreSQL): what the commit sync remembers between
-- passes so an unchanged repository costs one conditional request.
ALTER TABLE repositories ADD COLUMN default_branch  TEXT NOT NULL DEFAULT '';
ALTER TABLE repositories ADD COLUMN project_id      TEXT;     -- GitLab numeric id
ALTER TABLE repositories ADD COLUMN branches_etag   TEXT;     -- ETag of the branch list
ALTER TABLE repositories ADD COLUMN last_success_at BIGINT;   -- start of the incremental window

-- Head SHA of every branch at the last successful listing: a branch whose
-- head did not move is not listed again.
CREATE TABLE branch_heads (
    repo_id BIGINT NOT NULL REFERENCES repositories (id) ON DELETE CASCADE,
    name    TEXT   COLLATE "C" NOT NULL,
    sha     TEXT   NOT NULL,
    PRIMARY KEY (repo_id, name)
);
