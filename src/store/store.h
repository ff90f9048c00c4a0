#ifndef PDT_STORE_STORE_H
#define PDT_STORE_STORE_H
/*
 * store: the one persistence interface the rest of pdt sees. Handlers and sync
 * code never see SQL or a database handle. The logic lives once, in
 * store_users.c, store_repos.c, store_commits.c, store_sync.c, store_jira.c
 * and store_schema.c, on top of the driver interface db.h; store_open()
 * picks the driver by the DATABASE_URL scheme: SQLite (db_sqlite.c,
 * "sqlite://PATH") or PostgreSQL (db_pg.c, libpq's "postgres://..." or
 * "postgresql://..." URI, passed through).
 *
 * Threads: a store* is shared by every thread. Each call checks a connection
 * out of an internal pool for its duration. On SQLite writes are serialised
 * inside the store (one writer at a time), so SQLite never sees two writers
 * from pdt; PostgreSQL orders concurrent writers itself (db_pg.h).
 * Every call that changes several rows does so in one transaction.
 *
 * Scoping: every call that reads or changes a user's data takes that user's id
 * and matches it in SQL; another user's object is PDT_ENOTFOUND, exactly like
 * a missing one.
 *
 * Ownership: output structs are filled by the store with heap strings; release
 * them with the matching *_release (single) or *_list_release (list). Input
 * strings are borrowed for the call only. Instants are Unix seconds (UTC);
 * 0 means "none" (NULL in the database, null in JSON).
 *
 * Errors: PDT_OK; PDT_ENOTFOUND; PDT_ECONFLICT (unique violation);
 * PDT_EINVAL (bad argument, e.g. unknown URL scheme); PDT_EUNAVAIL (the
 * database cannot be reached now, e.g. PostgreSQL restarting: HTTP 503
 * "database unavailable"; the next call reconnects); PDT_ESTORE (database
 * failure; details are logged, never returned to clients).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct store store;

/*
 * Opens "sqlite://PATH" (creating PATH's parent directory and the file if
 * missing; WAL, foreign keys, busy timeout) with a pool of `pool_size`
 * connections (>= 1). Does not migrate. On failure *out is NULL and err holds
 * one line (no secrets: a postgres URL's password is never echoed).
 */
pdt_err store_open(const char *database_url, int pool_size, store **out, char *err,
		   size_t errlen);
/* Closes every connection. NULL is fine. Callers must have stopped using it. */
void store_close(store *s);

/* Applies pending migrations in order; *applied (may be NULL) gets how many. */
pdt_err store_migrate(store *s, int *applied);
/* Highest applied migration version, 0 for an empty database. */
pdt_err store_schema_version(store *s, int *version);
/* Refreshes the query planner's statistics (SQLite: a sampled ANALYZE, a few
 * milliseconds). Called after migrating and after each worker pass, so plans
 * follow the data as it grows. */
pdt_err store_optimize(store *s);
/* A trivial query: PDT_OK when the database answers (for /healthz). */
pdt_err store_ping(store *s);

/* ---- users ---- */

typedef struct store_user {
	int64_t id;
	char *email;
	char *name;
	char *password_hash;
	char *github_token_enc; /* NULL when not set */
	char *gitlab_token_enc; /* NULL when not set */
	char *gitlab_url;
	char *jira_email;
	char *jira_token_enc;   /* NULL when not set */
	/* Read from the user's first Jira workspace (lowest id; "" without
	 * one); jira_project_keys falls back to the user's own column when
	 * there is no workspace yet. Written to users (and, through the API,
	 * to the first workspace: store_jira_workspace_set_first). */
	char *jira_workspace;
	char *jira_username;
	char *jira_project_keys;
	int64_t created_at;
	int64_t updated_at;
} store_user;

void store_user_release(store_user *u);

/* Email uniqueness is case-insensitive: PDT_ECONFLICT if taken. */
pdt_err store_user_create(store *s, const char *email, const char *name,
			  const char *password_hash, int64_t now, store_user *out);
/* Case-insensitive lookup. */
pdt_err store_user_by_email(store *s, const char *email, store_user *out);
pdt_err store_user_by_id(store *s, int64_t id, store_user *out);
/* PDT_OK if the user exists, PDT_ENOTFOUND if not: the cheap check auth does. */
pdt_err store_user_exists(store *s, int64_t id);

/* Profile fields to change; a NULL member means "leave as is". Token values
 * are already encrypted by the caller; "" for a token clears it (NULL column). */
typedef struct store_profile_update {
	const char *github_token_enc;
	const char *gitlab_token_enc;
	const char *gitlab_url;
	const char *jira_email;
	const char *jira_token_enc;
	const char *jira_workspace;
	const char *jira_username;
	const char *jira_project_keys;
} store_profile_update;

pdt_err store_user_update_profile(store *s, int64_t user_id, const store_profile_update *u,
				  int64_t now);

/* ---- repositories ---- */

typedef struct store_repo {
	int64_t id;
	int64_t user_id;
	char *name;
	char *owner;
	char *provider; /* "github" | "gitlab" */
	char *url;
	bool is_valid;
	int64_t last_synced_at; /* 0 = never */
	int64_t created_at;
} store_repo;

/*
 * Lists are plain struct tags, not typedefs: a typedef name would clash with
 * the functions store_repo_list() and store_commit_list(). Declare them as
 * `struct store_repo_list l = {0};`.
 */
struct store_repo_list {
	store_repo *items;
	size_t n;
};

void store_repo_release(store_repo *r);
void store_repo_list_release(struct store_repo_list *l);

/* PDT_ECONFLICT if this user already tracks this url. */
pdt_err store_repo_create(store *s, int64_t user_id, const char *name, const char *owner,
			  const char *provider, const char *url, int64_t now, store_repo *out);
/* Ordered by id (creation order). Empty list is PDT_OK with n = 0. */
pdt_err store_repo_list(store *s, int64_t user_id, struct store_repo_list *out);
pdt_err store_repo_get(store *s, int64_t user_id, int64_t repo_id, store_repo *out);
/* Deletes the repository, its commits and their links (one transaction). */
pdt_err store_repo_delete(store *s, int64_t user_id, int64_t repo_id);
pdt_err store_repo_set_valid(store *s, int64_t user_id, int64_t repo_id, bool is_valid);

/* ---- commits ---- */

typedef struct store_commit {
	int64_t id;
	int64_t repo_id;
	char *sha;
	char *message;
	char *author;
	char *author_email;
	char *branch;
	int64_t date;
	char *jira_card_key; /* "" when none */
	bool has_link;
	int64_t created_at;
} store_commit;

/* A struct tag for the same reason as struct store_repo_list. */
struct store_commit_list {
	store_commit *items;
	size_t n;
};

void store_commit_list_release(struct store_commit_list *l);

typedef struct store_commit_filter {
	int64_t repo_id;           /* 0 = any of the user's repositories */
	const char *jira_card_key; /* NULL = any; else extracted key OR manual link */
	int has_link;              /* -1 = any, 0 = false, 1 = true */
	int64_t limit;             /* 0 = no limit */
	int64_t offset;            /* >= 0 */
} store_commit_filter;

/* The user's commits matching f, newest date first (ties: higher id first). */
pdt_err store_commit_list(store *s, int64_t user_id, const store_commit_filter *f,
			  struct store_commit_list *out);

/*
 * The same rows as store_commit_list, handed one at a time to cb without
 * copying: the strings in *c are borrowed and valid only during the call
 * (jira_card_key is "" when none; other strings may be NULL only if the
 * database holds NULL). Lets a handler serialise 100k rows without holding
 * them all. cb must not call back into the store.
 */
typedef void (*store_commit_cb)(const store_commit *c, void *ctx);
pdt_err store_commit_each(store *s, int64_t user_id, const store_commit_filter *f,
			  store_commit_cb cb, void *ctx);

/* One commit to insert (borrowed strings). jira_card_key NULL or "" = none. */
typedef struct store_commit_in {
	const char *sha;
	const char *message;
	const char *author;
	const char *author_email;
	const char *branch;
	int64_t date;
	const char *jira_card_key;
} store_commit_in;

/*
 * Inserts commits of one repository in one transaction, skipping SHAs the
 * repository already has (ON CONFLICT DO NOTHING). has_link is set when a key
 * is given. *inserted (may be NULL) gets how many were new.
 */
pdt_err store_commit_insert_batch(store *s, int64_t repo_id, const store_commit_in *items,
				  size_t n, int64_t now, size_t *inserted);

typedef struct store_link {
	int64_t id;
	int64_t commit_id;
	char *jira_card_key;
	int64_t linked_at;
} store_link;

void store_link_release(store_link *l);

/*
 * Links the user's commit(s) with this full SHA to key (every repository of
 * the user that has it) and sets their has_link; linking again is a no-op that
 * returns the existing link. *out describes the link of the newest such commit.
 * PDT_ENOTFOUND when the user has no commit with that SHA.
 */
pdt_err store_commit_link(store *s, int64_t user_id, const char *sha, const char *key,
			  int64_t now, store_link *out);

/* ---- commit sync state ---- */

typedef struct store_branch_head {
	char *name;
	char *sha;
} store_branch_head;

/* What the last passes over one repository left behind (see migration 002). */
typedef struct store_repo_sync_state {
	char *default_branch;    /* "" when unknown */
	char *project_id;        /* GitLab id, NULL when unknown */
	char *branches_etag;     /* NULL when none */
	int64_t last_success_at; /* 0 = never: the first pass reaches back the lookback */
	store_branch_head *heads;
	size_t nheads;
} store_repo_sync_state;

void store_repo_sync_state_release(store_repo_sync_state *st);
/* PDT_ENOTFOUND when the repository does not exist (or is not the user's). */
pdt_err store_repo_sync_state_get(store *s, int64_t user_id, int64_t repo_id,
				  store_repo_sync_state *out);

/*
 * The outcome of one repository's sync pass, written in ONE transaction so a
 * crash leaves either all of it or none: new commits, branch heads, ETag,
 * validity and timestamps. Borrowed pointers; NULL members leave columns as
 * they are unless said otherwise.
 */
typedef struct store_repo_sync_update {
	int64_t user_id;
	int64_t repo_id;
	const store_commit_in *commits; /* inserted ON CONFLICT DO NOTHING */
	size_t ncommits;
	const store_branch_head *heads; /* upserted by name */
	size_t nheads;
	bool prune_heads;               /* drop stored heads not in `heads` (a full listing) */
	bool set_etag;                  /* write branches_etag (NULL clears it) */
	const char *branches_etag;
	const char *default_branch;     /* NULL = unchanged */
	const char *project_id;         /* NULL = unchanged */
	int is_valid;                   /* -1 unchanged, 0 or 1 */
	bool success;                   /* sets last_success_at = now */
} store_repo_sync_update;

/* Applies u; last_synced_at = now always. *inserted (may be NULL) = new commits. */
pdt_err store_repo_sync_apply(store *s, const store_repo_sync_update *u, int64_t now,
			      size_t *inserted);

/* Ids of users who have at least one repository, ascending. Caller frees *ids. */
pdt_err store_users_with_repos(store *s, int64_t **ids, size_t *n);

/* ---- sync status (per user and source: "commits" | "jira") ---- */

typedef struct store_sync_status {
	char status[16];      /* "idle" | "syncing" */
	int64_t last_sync;    /* 0 = never */
	int64_t next_sync;    /* 0 = unknown */
	char *last_error;     /* NULL when the last pass succeeded or none ran */
} store_sync_status;

void store_sync_status_release(store_sync_status *st);
/* A user with no row yet gets {"idle", 0, 0, NULL} and PDT_OK. */
pdt_err store_sync_status_get(store *s, int64_t user_id, const char *source,
			      store_sync_status *out);
/* status = "syncing" (row created when missing). */
pdt_err store_sync_status_begin(store *s, int64_t user_id, const char *source);
/* status = "idle", last_sync = now, last_error = error (NULL clears it). The
 * error is kept to its longest valid UTF-8 prefix of at most STORE_ERROR_MAX
 * bytes, so a message cut mid-character never reaches a reader. */
#define STORE_ERROR_MAX 2000
pdt_err store_sync_status_finish(store *s, int64_t user_id, const char *source, int64_t now,
				 const char *error);

/* status = "idle", nothing else: a pass that was cancelled (shutdown) did
 * not finish, so last_sync and last_error stay what the last one left. */
pdt_err store_sync_status_abort(store *s, int64_t user_id, const char *source);
/* Start-up after a crash: every "syncing" row no live replica holds (no
 * lease, or one expired before now_ms) becomes "idle". *n = rows changed. */
pdt_err store_sync_status_reset(store *s, int64_t now_ms, int64_t *n);
/* next_sync = t for every user, for one source (rows created when missing). */
pdt_err store_sync_status_set_next(store *s, const char *source, int64_t t);

/* ---- Jira workspaces: the user's Jira sites (migration 005) ---- */

/* One Jira site of one user. Credentials stay per user (jira_email,
 * jira_token). The user's first workspace (lowest id) is what the profile's
 * jira_workspace / jira_project_keys read (store_user_by_id) and write
 * (store_jira_workspace_set_first). */
typedef struct store_jira_workspace {
	int64_t id;
	int64_t user_id;
	char *workspace;    /* a host or a base URL, as jira_workspace */
	char *name;
	char *project_keys; /* comma-separated, "" = every project */
	bool is_active;
	int64_t last_success; /* start of the last fully successful pass; 0 = never */
	int64_t created_at;
	int64_t updated_at;
} store_jira_workspace;

struct store_jira_workspace_list {
	store_jira_workspace *items;
	size_t n;
};

void store_jira_workspace_release(store_jira_workspace *w);
void store_jira_workspace_list_release(struct store_jira_workspace_list *l);

/* What a create or an update writes (borrowed strings; NULL = keep, or the
 * default on create; is_active < 0 = keep, on create = 1). */
typedef struct store_jira_workspace_in {
	const char *workspace;
	const char *name;
	const char *project_keys;
	int is_active;
} store_jira_workspace_in;

/* The user's workspaces, oldest first. */
pdt_err store_jira_workspace_list(store *s, int64_t user_id,
				  struct store_jira_workspace_list *out);
/* PDT_ENOTFOUND when the id is not one of the user's. */
pdt_err store_jira_workspace_get(store *s, int64_t user_id, int64_t id,
				 store_jira_workspace *out);
/* PDT_ECONFLICT when the user has that workspace text already; PDT_EINVAL
 * without a workspace. *out filled on success (caller releases). */
pdt_err store_jira_workspace_create(store *s, int64_t user_id, const store_jira_workspace_in *in,
				    int64_t now, store_jira_workspace *out);
/* Changes the given fields. forget: the workspace now names another site, so
 * its sprints, cards and comments go, its last_success is cleared and the
 * user's Jira status (last_sync, last_error) reset, all in one transaction:
 * the next pass (or first read) syncs the new site from scratch.
 * PDT_ENOTFOUND, PDT_ECONFLICT as above. out may be NULL. */
pdt_err store_jira_workspace_update(store *s, int64_t user_id, int64_t id,
				    const store_jira_workspace_in *in, bool forget, int64_t now,
				    store_jira_workspace *out);
/* Deletes it with its sprints, cards and comments (ON DELETE CASCADE). */
pdt_err store_jira_workspace_delete(store *s, int64_t user_id, int64_t id);
/* The profile's view: workspace / project_keys (NULL = keep) written to the
 * user's first workspace, created when there is none and workspace is
 * non-empty; workspace "" deletes the first workspace. forget as in update. */
pdt_err store_jira_workspace_set_first(store *s, int64_t user_id, const char *workspace,
				       const char *project_keys, bool forget, int64_t now);
pdt_err store_jira_workspace_set_last_success(store *s, int64_t user_id, int64_t id, int64_t t);

/* ---- Jira: sprints, cards and comments (per user and workspace) ---- */

/* ---- leases: passes divided across replicas (store_lease.c) ----
 *
 * A (user, source) pass is run by whoever holds the lease on its
 * sync_status row: lease_owner (a replica's id, at most STORE_OWNER_MAX
 * bytes) until lease_expires (Unix ms), which the owner pushes forward while
 * it works. next_due (Unix ms) is the shared schedule. Times are passed in
 * (now_ms) so every replica uses its own clock the same way. */
#define STORE_OWNER_MAX 64

/* Creates the missing rows of every user with something to sync for source
 * ("commits": a repository; "jira": complete settings), due at now_ms. */
pdt_err store_lease_ensure(store *s, const char *source, int64_t now_ms);
/* Claims the free row of source that is due the soonest (next_due <= now_ms
 * or never scheduled) for owner until now_ms + ttl_ms. *user_id = 0 when
 * none is due; *due_ms = its next_due (0 when never scheduled). */
pdt_err store_lease_claim_due(store *s, const char *source, const char *owner, int64_t now_ms,
			      int64_t ttl_ms, int64_t *user_id, int64_t *due_ms);
/* Claims (user, source) whatever its schedule (a manual trigger): PDT_OK, or
 * PDT_ECONFLICT while someone holds an unexpired lease on it. *was_syncing
 * (may be NULL): the row said "syncing" (its last pass never finished). */
pdt_err store_lease_claim(store *s, int64_t user_id, const char *source, const char *owner,
			  int64_t now_ms, int64_t ttl_ms, bool *was_syncing);
/* Pushes every lease owner holds to expires_ms (one statement). *n = rows. */
pdt_err store_lease_extend(store *s, const char *owner, int64_t expires_ms, int64_t *n);
/* Releases owner's lease on (user, source). next_due_ms > 0 also schedules
 * the next pass (next_due, and next_sync = that instant rounded up to the
 * second); 0 keeps the schedule. Someone else's lease is left alone. */
pdt_err store_lease_release(store *s, int64_t user_id, const char *source, const char *owner,
			    int64_t next_due_ms);
/* Makes every row of source due at now_ms (an operator's wake-up). */
pdt_err store_lease_wake(store *s, const char *source, int64_t now_ms);

/* ---- rate-limit budgets shared by replicas (store_lease.c) ---- */

typedef struct store_budget {
	int64_t remaining;     /* -1: unknown */
	int64_t reset_at;      /* Unix s; 0: unknown */
	int64_t blocked_until; /* Unix ms; 0: none */
} store_budget;

/*
 * Read-modify-write of key's budget in one write transaction: reads the row
 * ({-1, 0, 0} when missing), calls fn(b, ctx) which may change it and
 * returns whether to write it back. Two replicas never interleave.
 */
pdt_err store_budget_update(store *s, const char *key, int64_t now_ms,
			    bool (*fn)(store_budget *b, void *ctx), void *ctx);

/* ---- pdt db copy (store_copy.c) ---- */

/* How many tables db copy moves, and their names in copy order (NULL past
 * the end). schema_migrations is not copied: the target has run its own. */
#define STORE_COPY_TABLES 14
const char *store_copy_table_name(size_t i);

/*
 * Copies every table of from into to, both migrated to the same schema, in
 * dependency order, keeping ids (PostgreSQL's id sequences are moved past
 * them), in one write transaction on to, and checks that each table has as
 * many rows in to as in from before committing. counts[i]: rows of table i.
 * PDT_ECONFLICT: to is not empty; PDT_EINVAL: from has a table this copy
 * does not know; anything else: a database error. err (one line) says why.
 */
pdt_err store_copy(store *from, store *to, int64_t counts[STORE_COPY_TABLES], char *err,
		   size_t errlen);

/* ---- Jira: sprints and cards (per user) ---- */

typedef struct store_sprint {
	int64_t id;
	int64_t user_id;
	int64_t workspace_id;
	int64_t jira_sprint_id;
	int64_t board_id;
	char *name;
	char *state;          /* "active" | "future" | "closed" */
	int64_t start_date;   /* 0 = none */
	int64_t end_date;
	int64_t complete_date;
	int64_t issues_synced_at; /* 0 = its issues were never fetched */
	int64_t created_at;
} store_sprint;

struct store_sprint_list {
	store_sprint *items;
	size_t n;
};

void store_sprint_release(store_sprint *s);
void store_sprint_list_release(struct store_sprint_list *l);

/* The user's sprints (of one workspace, or all with workspace_id 0), newest
 * start_date first (sprints without one last). */
pdt_err store_sprint_list(store *s, int64_t user_id, int64_t workspace_id,
			  struct store_sprint_list *out);
pdt_err store_sprint_get(store *s, int64_t user_id, int64_t sprint_id, store_sprint *out);
/* The newest active sprint by start_date (of one workspace, or any with 0);
 * PDT_ENOTFOUND when none. */
pdt_err store_sprint_active(store *s, int64_t user_id, int64_t workspace_id, store_sprint *out);

typedef struct store_card {
	int64_t id;
	int64_t user_id;
	int64_t workspace_id;
	char *key;
	char *summary;
	char *status;
	char *assignee;     /* "" when unassigned */
	char *issue_type;
	int64_t sprint_id;  /* local sprints.id, 0 = none */
	char *details_json; /* NULL when never fetched */
	char *description;  /* plain text; NULL in listings */
	int64_t created_at;
} store_card;

struct store_card_list {
	store_card *items;
	size_t n;
};

void store_card_release(store_card *c);
void store_card_list_release(struct store_card_list *l);

/* Cards of one sprint (sprint_id > 0) or of every sprint of the user (0),
 * of one workspace (workspace_id > 0) or all, ordered by sprint then key.
 * details_json and description are not loaded (NULL) here. */
pdt_err store_card_list(store *s, int64_t user_id, int64_t workspace_id, int64_t sprint_id,
			struct store_card_list *out);
/* The card with that key in that workspace; workspace_id 0: in the user's
 * oldest workspace that has it. */
pdt_err store_card_get(store *s, int64_t user_id, int64_t workspace_id, const char *key,
		       store_card *out);

typedef struct store_comment {
	int64_t id;
	int64_t user_id;
	int64_t workspace_id;
	char *card_key;
	char *comment_id;
	char *author;
	char *author_email;
	char *body;          /* plain text */
	int64_t commented_at; /* 0 = unknown */
	int64_t created_at;
} store_comment;

struct store_comment_list {
	store_comment *items;
	size_t n;
};

void store_comment_list_release(struct store_comment_list *l);
/* The card's comments, oldest first. */
pdt_err store_comment_list(store *s, int64_t user_id, int64_t workspace_id, const char *key,
			   struct store_comment_list *out);

/* One sprint / card / comment as the Jira sync writes it (borrowed strings). */
typedef struct store_sprint_in {
	int64_t jira_sprint_id;
	int64_t board_id;
	const char *name;
	const char *state;
	int64_t start_date, end_date, complete_date;
} store_sprint_in;

typedef struct store_comment_in {
	const char *comment_id;
	const char *author;
	const char *author_email;
	const char *body;
	int64_t commented_at;
} store_comment_in;

typedef struct store_card_in {
	const char *key;
	const char *summary;
	const char *status;
	const char *assignee;
	const char *issue_type;
	const char *details_json;
	const char *description; /* NULL = keep the stored one */
	int64_t jira_sprint_id; /* the Jira sprint it belongs to; 0 = none */
	int64_t jira_updated_at;
	bool keep_sprint;       /* leave a stored card's sprint as it is */
	/* comments_known: comments[] is every comment the issue has now, so
	 * stored ones not in it are dropped; else stored comments stay. */
	bool comments_known;
	const store_comment_in *comments;
	size_t ncomments;
} store_card_in;

typedef struct store_jira_update {
	int64_t user_id;
	int64_t workspace_id;
	const store_sprint_in *sprints; /* upserted by (user, workspace, jira_sprint_id) */
	size_t nsprints;
	const store_card_in *cards;     /* upserted by (user, workspace, key); a moved card follows its sprint */
	size_t ncards;
	const int64_t *issues_synced;   /* Jira sprint ids whose issues this pass fetched */
	size_t nissues_synced;
} store_jira_update;

/* Everything of one workspace's Jira pass in one transaction. A card's
 * stored details_json is never replaced by NULL. */
pdt_err store_jira_apply(store *s, const store_jira_update *u, int64_t now);

/* A sprint Jira no longer has (404): removed; its cards lose their sprint. */
pdt_err store_sprint_delete(store *s, int64_t user_id, int64_t workspace_id,
			    int64_t jira_sprint_id);

/* Start of the source's last fully successful pass (0 = never). */
pdt_err store_sync_last_success(store *s, int64_t user_id, const char *source, int64_t *out);
pdt_err store_sync_set_last_success(store *s, int64_t user_id, const char *source, int64_t t);

/* Ids of users with Jira email and token set and an active workspace, ascending. */
pdt_err store_users_with_jira(store *s, int64_t **ids, size_t *n);

/* ---- counts (tests, metrics) ---- */
pdt_err store_count_commits(store *s, int64_t user_id, int64_t *out);
/* Every user's stored commits and cards (for /metrics). */
pdt_err store_count_all(store *s, int64_t *commits, int64_t *cards);

#endif
