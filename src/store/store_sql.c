/*
 * Every SQL statement of the store, indexed by db_stmt_id (db.h). All values
 * are bound parameters (?1..?N); no text here is ever built at run time.
 * Each row is one text both SQLite and PostgreSQL accept (ON CONFLICT,
 * RETURNING, booleans as integer 0/1 columns); `.postgres` overrides it only
 * where the dialects must differ. Flags bound as integers are tested with
 * "<> 0" and stored as 0/1 (never a bare boolean expression), because
 * PostgreSQL keeps booleans and integers apart.
 *
 * Column orders are relied on by the row readers in store_users.c,
 * store_repos.c, store_commits.c, store_sync.c, store_jira.c and store_jiraws.c.
 */
#include "store/db.h"

#include "core/banned.h"

#define USER_COLS                                                                       \
	"id, email, name, password_hash, github_token, gitlab_token, gitlab_url, "     \
	"jira_email, jira_token, jira_workspace, jira_username, jira_project_keys, "  \
	"created_at, updated_at"

/* The same for reads: the profile's jira_workspace / jira_project_keys are
 * the user's first Jira workspace (migration 005); project keys set before
 * any site exists are the user's own until a workspace takes them. */
#define WS_FIRST(col, dflt) \
	"COALESCE((SELECT w." col " FROM jira_workspaces w WHERE w.user_id = users.id " \
	"ORDER BY w.id LIMIT 1), " dflt ")"
#define USER_COLS_READ                                                                  \
	"id, email, name, password_hash, github_token, gitlab_token, gitlab_url, "     \
	"jira_email, jira_token, " WS_FIRST("workspace", "''") ", jira_username, "      \
	WS_FIRST("project_keys", "jira_project_keys") ", created_at, updated_at"

#define REPO_COLS "id, user_id, name, owner, provider, url, is_valid, last_synced_at, created_at"

#define SPRINT_COLS                                                                    \
	"id, user_id, jira_sprint_id, board_id, name, state, start_date, end_date, "     \
	"complete_date, issues_synced_at, created_at, workspace_id"

#define CARD_COLS_NODETAIL                                                             \
	"id, user_id, card_key, summary, status, assignee, issue_type, sprint_id, NULL, " \
	"created_at, workspace_id, NULL"
#define CARD_COLS                                                                      \
	"id, user_id, card_key, summary, status, assignee, issue_type, sprint_id, "       \
	"details_json, created_at, workspace_id, description"
#define WS_COLS                                                                        \
	"id, user_id, workspace, name, project_keys, is_active, last_success, created_at, " \
	"updated_at"
#define COMMENT_COLS                                                                   \
	"id, user_id, workspace_id, card_key, comment_id, author, author_email, body, "   \
	"commented_at, created_at"

#define COMMIT_COLS                                                                    \
	"c.id, c.repo_id, c.sha, c.message, c.author, c.author_email, c.branch, "     \
	"c.date, c.jira_card_key, c.has_link, c.created_at"

/* GET /api/commits (store_commit_each): ?1 user, ?2 repository (0: all),
 * ?3 card key (NULL: any; the commit's own key or a manual link), ?4 has_link
 * (-1: any), ?5 limit (-1: none), ?6 offset. The first condition picks the
 * index; ORDER BY is that index's order, so no sort runs (migration 008).
 * "?2 = 0" keeps ?2 referenced (PostgreSQL types every parameter). */
#define COMMIT_LIST(WHERE, LIMIT)                                                      \
	"SELECT " COMMIT_COLS " FROM commits c WHERE " WHERE " "                       \
	"AND (CAST(?3 AS TEXT) IS NULL OR c.jira_card_key = ?3 OR EXISTS (SELECT 1 FROM " \
	"commit_card_links l WHERE l.commit_id = c.id AND l.jira_card_key = ?3)) "      \
	"AND (?4 < 0 OR c.has_link = ?4) "                                             \
	"ORDER BY c.date DESC, c.id DESC LIMIT " LIMIT " OFFSET ?6"
#define LIST_USER "c.user_id = ?1 AND ?2 = 0"
#define LIST_REPO "c.repo_id = ?2 AND c.user_id = ?1"
/* SQLite reads LIMIT -1 as "no limit"; PostgreSQL wants NULL. */
#define PG_LIMIT "CASE WHEN ?5 < 0 THEN NULL ELSE ?5 END"

/* A token: ?N NULL keeps the column, '' clears it, anything else sets it.
 * The CAST gives PostgreSQL the parameter's type (a bare "?N IS NULL" or
 * "?N = ''" gives it none); to SQLite it changes nothing. */
#define TOKEN_SET(col, n)                                                              \
	col " = CASE WHEN CAST(?" n " AS TEXT) IS NULL THEN " col " WHEN CAST(?" n          \
	    " AS TEXT) = '' THEN NULL ELSE ?" n " END"
#define FIELD_SET(col, n) col " = COALESCE(?" n ", " col ")"

/* Reports (store_reports.c). A monthly period "YYYY-MM" is compared as the
 * 1st of its month (PERIOD_DAY). */
#define TEMPLATE_COLS "id, user_id, name, content, is_default, created_at, updated_at"
#define REPORT_COLS                                                                       \
	"id, user_id, template_id, report_type, period, title, content, file_url, created_at"
#define PERIOD_DAY "(CASE WHEN report_type = 'monthly' THEN period || '-01' ELSE period END)"
#define USER_COMMITS                                                                      \
	" FROM commits c JOIN repositories r ON r.id = c.repo_id "                         \
	"WHERE c.user_id = ?1 AND c.date >= ?2 AND c.date < ?3"

/* A user whose Jira settings are complete (t: the users table's name). */
#define LEASE_JIRA_READY(t) t ".jira_email <> '' AND " t ".jira_token IS NOT NULL AND " \
	"EXISTS (SELECT 1 FROM jira_workspaces w WHERE w.user_id = " t ".id AND "          \
	"w.is_active <> 0 AND w.workspace <> '')"
/* A row nobody holds, or whose holder stopped extending it (?4 = now ms). */
#define LEASE_FREE(t) "(" t ".lease_owner IS NULL OR " t ".lease_expires < ?4)"
/* Due at ?4 (a row never scheduled is due). */
#define LEASE_IS_DUE(t) "(" t ".next_due IS NULL OR " t ".next_due <= ?4)"
/* The rows of source ?1 due at ?4, free, of users who still have something
 * to sync for it. */
#define LEASE_DUE_FROM                                                                 \
	"FROM sync_status s WHERE s.source = ?1 AND " LEASE_FREE("s")                   \
	" AND " LEASE_IS_DUE("s") " AND ((?1 = 'commits' AND EXISTS " \
	"(SELECT 1 FROM repositories r WHERE r.user_id = s.user_id)) OR (?1 = 'jira' AND " \
	"EXISTS (SELECT 1 FROM users u WHERE u.id = s.user_id AND " LEASE_JIRA_READY("u") ")))"

/* pdt db copy (store_copy.c): per table, its rows in primary-key order, the
 * insert that keeps their ids, a count; PostgreSQL also moves the id
 * sequence past the copied ids (OVERRIDING SYSTEM VALUE lets an identity
 * column take them; serial columns ignore it). Tables and columns are the
 * migrations'; store_copy.c refuses a source with a table not listed. */
#define COPY_TABLE(ID, T, COLS, PARAMS)                                               \
	[DB_COPY_SELECT_##ID] = {"SELECT " COLS " FROM " T " ORDER BY 1, 2"},        \
	[DB_COPY_INSERT_##ID] = {"INSERT INTO " T " (" COLS ") VALUES (" PARAMS ")", \
				 .postgres = "INSERT INTO " T " (" COLS ") OVERRIDING " \
					     "SYSTEM VALUE VALUES (" PARAMS ")"},       \
	[DB_COPY_COUNT_##ID] = {"SELECT count(*) FROM " T}
#define COPY_SEQ(ID, T)                                                                \
	[DB_COPY_SEQ_##ID] = {"SELECT 1",                                              \
			      .postgres = "SELECT setval(pg_get_serial_sequence('" T "', " \
					  "'id'), (SELECT COALESCE(max(id), 0) + 1 FROM " T \
					  "), false)"}

const db_sql db_sql_table[DB__COUNT] = {
	[DB_PING] = {"SELECT 1"},

	/* Migration bookkeeping (store_schema.c). */
	[DB_MIG_CREATE] = {"CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY "
			   "KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
			   .postgres = "CREATE TABLE IF NOT EXISTS schema_migrations (version "
				       "INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT "
				       "NOT NULL)"},
	[DB_MIG_TABLE_EXISTS] = {"SELECT count(*) FROM sqlite_master WHERE type = 'table' "
				 "AND name = 'schema_migrations'",
				 .postgres = "SELECT count(*) FROM information_schema.tables "
					     "WHERE table_schema = current_schema() "
					     "AND table_name = 'schema_migrations'"},
	[DB_MIG_HAS] = {"SELECT count(*) FROM schema_migrations WHERE version = ?1"},
	[DB_MIG_RECORD] = {"INSERT INTO schema_migrations (version, name, applied_at) "
			   "VALUES (?1, ?2, ?3)"},
	[DB_MIG_MAX] = {"SELECT COALESCE(MAX(version), 0) FROM schema_migrations"},

	[DB_USER_INSERT] = {"INSERT INTO users (email, name, password_hash, created_at, updated_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?4) RETURNING " USER_COLS},
	[DB_USER_BY_EMAIL] = {"SELECT " USER_COLS_READ " FROM users WHERE lower(email) = lower(?1)"},
	[DB_USER_BY_ID] = {"SELECT " USER_COLS_READ " FROM users WHERE id = ?1"},
	[DB_USER_EXISTS] = {"SELECT 1 FROM users WHERE id = ?1"},
	[DB_USER_UPDATE_PROFILE] = {"UPDATE users SET "
				   TOKEN_SET("github_token", "1") ", "
				   TOKEN_SET("gitlab_token", "2") ", "
				   FIELD_SET("gitlab_url", "3") ", "
				   FIELD_SET("jira_email", "4") ", "
				   TOKEN_SET("jira_token", "5") ", "
				   FIELD_SET("jira_workspace", "6") ", "
				   FIELD_SET("jira_username", "7") ", "
				   FIELD_SET("jira_project_keys", "8") ", "
				   "updated_at = ?9 WHERE id = ?10"},
	[DB_REPO_INSERT] = {"INSERT INTO repositories "
			   "(user_id, name, owner, provider, url, is_valid, created_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6) RETURNING " REPO_COLS},
	[DB_REPO_LIST] = {"SELECT " REPO_COLS " FROM repositories WHERE user_id = ?1 ORDER BY id"},
	[DB_REPO_GET] = {"SELECT " REPO_COLS " FROM repositories WHERE id = ?2 AND user_id = ?1"},
	[DB_REPO_DELETE] = {"DELETE FROM repositories WHERE id = ?2 AND user_id = ?1"},
	[DB_REPO_SET_VALID] = {"UPDATE repositories SET is_valid = ?3 WHERE id = ?2 AND user_id = ?1"},
	[DB_REPO_EXISTS] = {"SELECT 1 FROM repositories WHERE id = ?1"},
	/* Both walk an index in the answer's order (migration 008) and stop
	 * after the page: commits_user_date for all of a user's commits,
	 * commits_repo_date for one repository (?2); the other filters are
	 * checked row by row. */
	[DB_COMMIT_LIST] = {COMMIT_LIST(LIST_USER, "?5"),
			    .postgres = COMMIT_LIST(LIST_USER, PG_LIMIT)},
	[DB_COMMIT_LIST_REPO] = {COMMIT_LIST(LIST_REPO, "?5"),
				 .postgres = COMMIT_LIST(LIST_REPO, PG_LIMIT)},
	[DB_COMMIT_INSERT] = {"INSERT INTO commits (repo_id, sha, message, author, author_email, branch, date, "
		"jira_card_key, has_link, created_at, user_id) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CASE WHEN CAST(?8 AS TEXT) IS NULL THEN 0 ELSE 1 END, ?9, "
		"(SELECT r.user_id FROM repositories r WHERE r.id = ?1)) "
		"ON CONFLICT (repo_id, sha) DO NOTHING"},
	/* Many commits in one statement: ?3 is a JSON array of {"s": sha, "m":
	 * message, "a": author, "e": author_email, "b": branch, "d": date,
	 * "k": key or null}, inserted in array order (ids follow it) as
	 * DB_COMMIT_INSERT would insert them one by one. PostgreSQL runs it
	 * (store_commits.c: one round trip instead of one per commit). */
	[DB_COMMIT_INSERT_JSON] = {"INSERT INTO commits (repo_id, sha, message, author, author_email, "
		"branch, date, jira_card_key, has_link, created_at, user_id) "
		"SELECT ?1, value ->> '$.s', value ->> '$.m', value ->> '$.a', value ->> '$.e', "
		"value ->> '$.b', value ->> '$.d', value ->> '$.k', "
		"CASE WHEN value ->> '$.k' IS NULL THEN 0 ELSE 1 END, ?2, "
		"(SELECT r.user_id FROM repositories r WHERE r.id = ?1) "
		"FROM json_each(?3) WHERE true ORDER BY key "
		"ON CONFLICT (repo_id, sha) DO NOTHING",
		.postgres = "INSERT INTO commits (repo_id, sha, message, author, author_email, "
		"branch, date, jira_card_key, has_link, created_at, user_id) "
		"SELECT CAST(?1 AS BIGINT), t.s, t.m, t.a, t.e, t.b, t.d, t.k, "
		"CASE WHEN t.k IS NULL THEN 0 ELSE 1 END, CAST(?2 AS BIGINT), "
		"(SELECT r.user_id FROM repositories r WHERE r.id = CAST(?1 AS BIGINT)) "
		"FROM ROWS FROM (jsonb_to_recordset(CAST(?3 AS jsonb)) AS (s TEXT, m TEXT, a TEXT, "
		"e TEXT, b TEXT, d BIGINT, k TEXT)) WITH ORDINALITY AS t(s, m, a, e, b, d, k, n) "
		"ORDER BY t.n ON CONFLICT (repo_id, sha) DO NOTHING"},
	[DB_LINK_INSERT] = {"INSERT INTO commit_card_links (commit_id, jira_card_key, linked_at) "
		"SELECT id, ?3, ?4 FROM commits WHERE sha = ?2 "
		"AND repo_id IN (SELECT id FROM repositories WHERE user_id = ?1) "
		"ON CONFLICT (commit_id, jira_card_key) DO NOTHING",
		/* A parameter in a SELECT list has no type to take: cast it. */
		.postgres = "INSERT INTO commit_card_links (commit_id, jira_card_key, linked_at) "
		"SELECT id, CAST(?3 AS TEXT), CAST(?4 AS BIGINT) FROM commits WHERE sha = ?2 "
		"AND repo_id IN (SELECT id FROM repositories WHERE user_id = ?1) "
		"ON CONFLICT (commit_id, jira_card_key) DO NOTHING"},
	[DB_LINK_SET_HAS_LINK] = {"UPDATE commits SET has_link = 1 WHERE sha = ?2 "
		"AND repo_id IN (SELECT id FROM repositories WHERE user_id = ?1)"},
	[DB_LINK_NEWEST] = {"SELECT l.id, l.commit_id, l.jira_card_key, l.linked_at FROM commit_card_links l "
		"JOIN commits c ON c.id = l.commit_id JOIN repositories r ON r.id = c.repo_id "
		"WHERE r.user_id = ?1 AND c.sha = ?2 AND l.jira_card_key = ?3 "
		"ORDER BY c.date DESC, c.id DESC LIMIT 1"},
	[DB_COMMIT_COUNT] = {"SELECT count(*) FROM commits WHERE user_id = ?1"},
	[DB_SYNC_STATE_GET] = {"SELECT default_branch, project_id, branches_etag, last_success_at "
			      "FROM repositories WHERE id = ?2 AND user_id = ?1"},
	[DB_HEADS_GET] = {"SELECT name, sha FROM branch_heads WHERE repo_id = ?1 ORDER BY name"},
	[DB_HEADS_CLEAR] = {"DELETE FROM branch_heads WHERE repo_id = ?1"},
	[DB_HEAD_UPSERT] = {"INSERT INTO branch_heads (repo_id, name, sha) VALUES (?1, ?2, ?3) "
			   "ON CONFLICT (repo_id, name) DO UPDATE SET sha = excluded.sha"},
	/* Many heads in one statement: ?2 is a JSON array of {"n": name, "s":
	 * sha}; a name listed twice keeps its last sha, as DB_HEAD_UPSERT run
	 * in order would (PostgreSQL refuses to update one row twice in one
	 * statement: DISTINCT ON keeps the last). */
	[DB_HEADS_UPSERT_JSON] = {"INSERT INTO branch_heads (repo_id, name, sha) "
		"SELECT ?1, value ->> '$.n', value ->> '$.s' FROM json_each(?2) WHERE true "
		"ORDER BY key ON CONFLICT (repo_id, name) DO UPDATE SET sha = excluded.sha",
		.postgres = "INSERT INTO branch_heads (repo_id, name, sha) "
		"SELECT DISTINCT ON (t.n) CAST(?1 AS BIGINT), t.n, t.s "
		"FROM ROWS FROM (jsonb_to_recordset(CAST(?2 AS jsonb)) AS (n TEXT, s TEXT)) "
		"WITH ORDINALITY AS t(n, s, o) ORDER BY t.n, t.o DESC "
		"ON CONFLICT (repo_id, name) DO UPDATE SET sha = excluded.sha"},
	[DB_REPO_SYNC_UPDATE] = {"UPDATE repositories SET last_synced_at = ?3, "
		"default_branch = COALESCE(?4, default_branch), "
		"project_id = COALESCE(?5, project_id), "
		"branches_etag = CASE WHEN ?6 <> 0 THEN ?7 ELSE branches_etag END, "
		"is_valid = CASE WHEN ?8 < 0 THEN is_valid ELSE ?8 END, "
		"last_success_at = CASE WHEN ?9 <> 0 THEN ?3 ELSE last_success_at END "
		"WHERE id = ?2 AND user_id = ?1"},
	[DB_USERS_WITH_REPOS] = {"SELECT DISTINCT user_id FROM repositories ORDER BY user_id"},
	[DB_STATUS_GET] = {"SELECT status, last_sync, next_sync, last_error FROM sync_status "
			  "WHERE user_id = ?1 AND source = ?2"},
	[DB_STATUS_BEGIN] = {"INSERT INTO sync_status (user_id, source, status) VALUES (?1, ?2, 'syncing') "
			    "ON CONFLICT (user_id, source) DO UPDATE SET status = 'syncing'"},
	[DB_STATUS_FINISH] = {"INSERT INTO sync_status (user_id, source, status, last_sync, last_error) "
		"VALUES (?1, ?2, 'idle', ?3, ?4) ON CONFLICT (user_id, source) DO UPDATE SET "
		"status = 'idle', last_sync = excluded.last_sync, last_error = excluded.last_error"},
	[DB_SPRINT_LIST] = {"SELECT " SPRINT_COLS " FROM sprints WHERE user_id = ?1 "
			   "AND (?2 = 0 OR workspace_id = ?2) "
			   "ORDER BY start_date IS NULL, start_date DESC, id DESC"},
	[DB_SPRINT_GET] = {"SELECT " SPRINT_COLS " FROM sprints WHERE user_id = ?1 AND id = ?2"},
	[DB_SPRINT_ACTIVE] = {"SELECT " SPRINT_COLS " FROM sprints WHERE user_id = ?1 "
			     "AND (?2 = 0 OR workspace_id = ?2) "
			     "AND state = 'active' ORDER BY start_date IS NULL, start_date DESC, "
			     "id DESC LIMIT 1"},
	[DB_SPRINT_UPSERT] = {"INSERT INTO sprints (user_id, jira_sprint_id, board_id, name, state, start_date, "
		"end_date, complete_date, created_at, updated_at, workspace_id) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10) "
		"ON CONFLICT (user_id, workspace_id, jira_sprint_id) DO UPDATE SET "
		"board_id = excluded.board_id, "
		"name = excluded.name, state = excluded.state, start_date = excluded.start_date, "
		"end_date = excluded.end_date, complete_date = excluded.complete_date, "
		"updated_at = excluded.updated_at"},
	[DB_SPRINT_ISSUES_SYNCED] = {"UPDATE sprints SET issues_synced_at = ?3 "
				    "WHERE user_id = ?1 AND jira_sprint_id = ?2 AND workspace_id = ?4"},
	[DB_CARD_LIST] = {"SELECT " CARD_COLS_NODETAIL " FROM jira_cards WHERE user_id = ?1 "
			 "AND ((?2 = 0 AND sprint_id IS NOT NULL) OR sprint_id = ?2) "
			 "AND (?3 = 0 OR workspace_id = ?3) "
			 "ORDER BY sprint_id, card_key"},
	[DB_CARD_GET] = {"SELECT " CARD_COLS " FROM jira_cards WHERE user_id = ?1 AND card_key = ?3 "
			"AND (?2 = 0 OR workspace_id = ?2) ORDER BY workspace_id LIMIT 1"},
	/* ?13, the description: NULL keeps the stored one. */
	[DB_CARD_UPSERT] = {"INSERT INTO jira_cards (user_id, card_key, summary, status, assignee, issue_type, "
		"jira_sprint_id, sprint_id, details_json, jira_updated_at, created_at, updated_at, "
		"workspace_id, description) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, "
		"(SELECT id FROM sprints WHERE user_id = ?1 AND workspace_id = ?12 "
		"AND jira_sprint_id = ?7), ?8, ?9, ?10, ?10, ?12, COALESCE(?13, '')) "
		"ON CONFLICT (user_id, workspace_id, card_key) DO UPDATE SET "
		"summary = excluded.summary, "
		"status = excluded.status, assignee = excluded.assignee, "
		"issue_type = excluded.issue_type, "
		"jira_sprint_id = CASE WHEN ?11 <> 0 THEN jira_cards.jira_sprint_id "
		"ELSE excluded.jira_sprint_id END, "
		"sprint_id = CASE WHEN ?11 <> 0 THEN jira_cards.sprint_id ELSE excluded.sprint_id END, "
		"details_json = coalesce(excluded.details_json, jira_cards.details_json), "
		"description = COALESCE(?13, jira_cards.description), "
		"jira_updated_at = excluded.jira_updated_at, updated_at = excluded.updated_at"},
	[DB_STATUS_LAST_SUCCESS] = {"SELECT last_success FROM sync_status "
				   "WHERE user_id = ?1 AND source = ?3"},
	[DB_STATUS_SET_LAST_SUCCESS] = {"INSERT INTO sync_status (user_id, source, last_success) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (user_id, source) DO UPDATE SET last_success = excluded.last_success"},
	[DB_USERS_WITH_JIRA] = {"SELECT id FROM users WHERE jira_email <> '' AND "
			       "jira_token IS NOT NULL AND EXISTS (SELECT 1 FROM jira_workspaces w "
			       "WHERE w.user_id = users.id AND w.is_active <> 0 AND w.workspace <> '') "
			       "ORDER BY id"},
	/* Only rows no live replica holds: another replica's running pass stays
	 * "syncing" (?1 = now ms). */
	[DB_STATUS_RESET] = {"UPDATE sync_status SET status = 'idle' WHERE status = 'syncing' "
			    "AND (lease_owner IS NULL OR lease_expires < ?1)"},
	[DB_STATUS_SET_NEXT] = {"INSERT INTO sync_status (user_id, source, next_sync) SELECT id, ?1, ?2 FROM users "
		"WHERE true ON CONFLICT (user_id, source) DO UPDATE SET next_sync = excluded.next_sync",
		.postgres = "INSERT INTO sync_status (user_id, source, next_sync) "
		"SELECT id, CAST(?1 AS TEXT), CAST(?2 AS BIGINT) FROM users "
		"ON CONFLICT (user_id, source) DO UPDATE SET next_sync = excluded.next_sync"},
	[DB_COUNT_ALL] = {"SELECT (SELECT count(*) FROM commits), (SELECT count(*) FROM jira_cards)"},
	[DB_JIRA_FORGET_CARDS] = {"DELETE FROM jira_cards WHERE user_id = ?1 AND workspace_id = ?2"},
	[DB_JIRA_FORGET_SPRINTS] = {"DELETE FROM sprints WHERE user_id = ?1 AND workspace_id = ?2"},
	[DB_JIRA_FORGET_STATUS] = {"UPDATE sync_status SET last_success = NULL, last_sync = NULL, "
				  "last_error = NULL WHERE user_id = ?1 AND source = 'jira'"},
	[DB_SPRINT_DELETE] = {"DELETE FROM sprints WHERE user_id = ?1 AND jira_sprint_id = ?2 "
			     "AND workspace_id = ?3"},
	[DB_WS_LIST] = {"SELECT " WS_COLS " FROM jira_workspaces WHERE user_id = ?1 ORDER BY id"},
	[DB_WS_GET] = {"SELECT " WS_COLS " FROM jira_workspaces WHERE user_id = ?1 AND id = ?2"},
	[DB_WS_INSERT] = {"INSERT INTO jira_workspaces (user_id, workspace, name, project_keys, "
			  "is_active, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) "
			  "RETURNING " WS_COLS},
	/* ?3..?5 NULL keep; ?6 < 0 keeps is_active; ?8 <> 0 clears last_success. */
	[DB_WS_UPDATE] = {"UPDATE jira_workspaces SET workspace = COALESCE(?3, workspace), "
			  "name = COALESCE(?4, name), project_keys = COALESCE(?5, project_keys), "
			  "is_active = CASE WHEN ?6 < 0 THEN is_active ELSE ?6 END, "
			  "last_success = CASE WHEN ?8 <> 0 THEN NULL ELSE last_success END, "
			  "updated_at = ?7 WHERE user_id = ?1 AND id = ?2 RETURNING " WS_COLS},
	[DB_WS_DELETE] = {"DELETE FROM jira_workspaces WHERE user_id = ?1 AND id = ?2"},
	[DB_WS_SET_LAST_SUCCESS] = {"UPDATE jira_workspaces SET last_success = ?3 "
				    "WHERE user_id = ?1 AND id = ?2"},
	[DB_JIRA_FORGET_COMMENTS] = {"DELETE FROM jira_comments WHERE user_id = ?1 "
				     "AND workspace_id = ?2"},
	[DB_COMMENT_UPSERT] = {"INSERT INTO jira_comments (user_id, workspace_id, card_key, "
		"comment_id, author, author_email, body, commented_at, synced_at, created_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
		"ON CONFLICT (user_id, workspace_id, comment_id) DO UPDATE SET "
		"card_key = excluded.card_key, author = excluded.author, "
		"author_email = excluded.author_email, body = excluded.body, "
		"commented_at = excluded.commented_at, synced_at = excluded.synced_at"},
	/* A card whose comments all arrived: mark the stored ones, upsert, drop the marked. */
	[DB_COMMENT_MARK] = {"UPDATE jira_comments SET synced_at = -1 WHERE user_id = ?1 "
			     "AND workspace_id = ?2 AND card_key = ?3"},
	[DB_COMMENT_PRUNE] = {"DELETE FROM jira_comments WHERE user_id = ?1 AND workspace_id = ?2 "
			      "AND card_key = ?3 AND synced_at = -1"},
	[DB_COMMENT_LIST] = {"SELECT " COMMENT_COLS " FROM jira_comments WHERE user_id = ?1 "
			     "AND workspace_id = ?2 AND card_key = ?3 "
			     "ORDER BY commented_at IS NULL, commented_at, id"},
	/* Taken first in every migration transaction: PostgreSQL replicas
	 * starting together apply each version once (SQLite's writer lock
	 * already serialises them). */
	[DB_MIG_LOCK] = {"SELECT 1", .postgres = "SELECT pg_advisory_xact_lock(2064000010)"},
	[DB_STATUS_ABORT] = {"UPDATE sync_status SET status = 'idle' WHERE user_id = ?1 AND source = ?2"},

	/* reports (store_reports.c, migration 006) */
	[DB_TPL_INSERT] = {"INSERT INTO report_templates (user_id, name, content, is_default, "
			   "created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5) "
			   "RETURNING " TEMPLATE_COLS},
	[DB_TPL_UPDATE] = {"UPDATE report_templates SET name = COALESCE(?3, name), "
			   "content = COALESCE(?4, content), "
			   "is_default = CASE WHEN ?5 < 0 THEN is_default ELSE ?5 END, updated_at = ?6 "
			   "WHERE id = ?2 AND user_id = ?1 RETURNING " TEMPLATE_COLS},
	/* Before a template becomes the default, the user's other one stops being it. */
	[DB_TPL_CLEAR_DEFAULT] = {"UPDATE report_templates SET is_default = 0 "
				  "WHERE user_id = ?1 AND id <> ?2 AND is_default = 1"},
	[DB_TPL_GET] = {"SELECT " TEMPLATE_COLS " FROM report_templates WHERE user_id = ?1 AND id = ?2"},
	[DB_TPL_DEFAULT] = {"SELECT " TEMPLATE_COLS " FROM report_templates "
			    "WHERE user_id = ?1 AND is_default = 1"},
	[DB_TPL_LIST] = {"SELECT " TEMPLATE_COLS " FROM report_templates WHERE user_id = ?1 ORDER BY id"},
	[DB_TPL_DELETE] = {"DELETE FROM report_templates WHERE user_id = ?1 AND id = ?2"},
	[DB_REP_FIND] = {"SELECT id FROM reports WHERE user_id = ?1 AND report_type = ?2 "
			 "AND period = ?3"},
	[DB_REP_UPSERT] = {"INSERT INTO reports (user_id, template_id, report_type, period, title, "
			   "content, file_url, created_at, updated_at) "
			   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, '', ?7, ?7) "
			   "ON CONFLICT (user_id, report_type, period) DO UPDATE SET "
			   "template_id = excluded.template_id, title = excluded.title, "
			   "content = excluded.content, file_url = '', "
			   "created_at = excluded.created_at, updated_at = excluded.updated_at "
			   "RETURNING " REPORT_COLS},
	[DB_REP_GET] = {"SELECT " REPORT_COLS " FROM reports WHERE user_id = ?1 AND id = ?2"},
	/* The CASTs give PostgreSQL the type IS NULL alone would not. */
	[DB_REP_LIST] = {"SELECT " REPORT_COLS " FROM reports WHERE user_id = ?1 "
			 "AND (CAST(?2 AS TEXT) IS NULL OR " PERIOD_DAY " >= ?2) "
			 "AND (CAST(?3 AS TEXT) IS NULL OR " PERIOD_DAY " <= ?3) "
			 "ORDER BY " PERIOD_DAY " DESC, id DESC"},
	[DB_REP_DELETE] = {"DELETE FROM reports WHERE user_id = ?1 AND id = ?2"},
	[DB_REP_SET_URL] = {"UPDATE reports SET file_url = ?3 WHERE user_id = ?1 AND id = ?2"},
	[DB_AUTO_GET] = {"SELECT last_daily, last_monthly FROM report_auto_state WHERE user_id = ?1"},
	[DB_AUTO_ENSURE] = {"INSERT INTO report_auto_state (user_id) VALUES (?1) "
			    "ON CONFLICT (user_id) DO NOTHING"},
	/* The automatic generation's claim: advances only a state before the
	 * period, so 0 rows changed means done already (a restart, a replica). */
	[DB_AUTO_DAILY] = {"UPDATE report_auto_state SET last_daily = ?2 "
			   "WHERE user_id = ?1 AND last_daily < ?2"},
	[DB_AUTO_MONTHLY] = {"UPDATE report_auto_state SET last_monthly = ?2 "
			     "WHERE user_id = ?1 AND last_monthly < ?2"},
	[DB_SRC_COMMITS] = {"SELECT c.id, c.sha, c.message, c.branch, r.owner, r.name, "
			    "COALESCE(c.jira_card_key, ''), c.date" USER_COMMITS
			    " ORDER BY c.date, c.id"},
	[DB_SRC_LINKS] = {"SELECT l.commit_id, l.jira_card_key FROM commit_card_links l "
			  "WHERE l.commit_id IN (SELECT c.id" USER_COMMITS ") ORDER BY l.id"},
	/* A key present on two sites is the oldest workspace's card, as in the API.
	 * Grouped once, then each card by its unique key: a per-card MIN()
	 * subquery had no index on (user_id, card_key) and cost 90 ms for 2,400
	 * cards on SQLite (now 4 ms). */
	[DB_SRC_CARDS] = {"SELECT c.card_key, c.summary, c.status FROM (SELECT card_key AS k, "
			  "MIN(workspace_id) AS w FROM jira_cards WHERE user_id = ?1 GROUP BY card_key) m "
			  "JOIN jira_cards c ON c.user_id = ?1 AND c.workspace_id = m.w AND c.card_key = m.k "
			  "ORDER BY m.k"},
	/* One seek per user in commits_user_date (migration 008). */
	[DB_USERS_WITH_COMMITS] = {"SELECT u.id FROM users u WHERE EXISTS (SELECT 1 FROM "
				   "commits c WHERE c.user_id = u.id AND c.date >= ?1 AND "
				   "c.date < ?2) ORDER BY u.id"},

	/* Leases (store_lease.c, migration 007). Every condition on a lease is
	 * re-checked by the UPDATE itself on the row it changes, so two replicas
	 * can never both win one row: SQLite runs one writer at a time, and
	 * PostgreSQL re-evaluates the WHERE of an UPDATE against the row version
	 * it finally locks (READ COMMITTED). Times are Unix ms bound as values. */
	[DB_LEASE_ENSURE_COMMITS] = {"INSERT INTO sync_status (user_id, source, next_due) "
		"SELECT DISTINCT user_id, 'commits', CAST(?1 AS BIGINT) FROM repositories WHERE true "
		"ON CONFLICT (user_id, source) DO NOTHING"},
	[DB_LEASE_ENSURE_JIRA] = {"INSERT INTO sync_status (user_id, source, next_due) "
		"SELECT id, 'jira', CAST(?1 AS BIGINT) FROM users WHERE " LEASE_JIRA_READY("users")
		" ON CONFLICT (user_id, source) DO NOTHING"},
	[DB_LEASE_CLAIM_DUE] = {"UPDATE sync_status SET lease_owner = ?2, lease_expires = ?3 "
		"WHERE source = ?1 AND user_id = (SELECT s.user_id " LEASE_DUE_FROM
		" ORDER BY COALESCE(s.next_due, 0), s.user_id LIMIT 1) AND " LEASE_FREE("sync_status")
		" AND " LEASE_IS_DUE("sync_status") " RETURNING user_id, COALESCE(next_due, 0)",
		/* SKIP LOCKED: a row another replica is claiming right now is
		 * passed over for the next due one instead of waited for. */
		.postgres = "UPDATE sync_status SET lease_owner = ?2, lease_expires = ?3 "
		"WHERE source = ?1 AND user_id = (SELECT s.user_id " LEASE_DUE_FROM
		" ORDER BY COALESCE(s.next_due, 0), s.user_id LIMIT 1 FOR UPDATE SKIP LOCKED) AND "
		LEASE_FREE("sync_status") " AND " LEASE_IS_DUE("sync_status")
		" RETURNING user_id, COALESCE(next_due, 0)"},
	[DB_LEASE_CLAIM] = {"INSERT INTO sync_status (user_id, source, lease_owner, lease_expires) "
		"VALUES (?1, ?2, ?3, ?5) ON CONFLICT (user_id, source) DO UPDATE SET "
		"lease_owner = excluded.lease_owner, lease_expires = excluded.lease_expires "
		"WHERE sync_status.lease_owner IS NULL OR sync_status.lease_expires < ?4 "
		"RETURNING status"},
	[DB_LEASE_EXTEND] = {"UPDATE sync_status SET lease_expires = ?2 WHERE lease_owner = ?1"},
	[DB_LEASE_RELEASE] = {"UPDATE sync_status SET lease_owner = NULL, lease_expires = NULL, status = 'idle', "
		"next_due = COALESCE(?4, next_due), next_sync = COALESCE(?5, next_sync) "
		"WHERE user_id = ?1 AND source = ?2 AND lease_owner = ?3"},
	[DB_LEASE_WAKE] = {"UPDATE sync_status SET next_due = ?2 WHERE source = ?1 AND "
		"(next_due IS NULL OR next_due > ?2)"},
	/* Read then written in one transaction (store_budget_update): SQLite's
	 * single writer serialises replicas; PostgreSQL needs the row lock. */
	[DB_BUDGET_GET] = {"SELECT remaining, reset_at, blocked_until FROM ratelimit_budgets "
		"WHERE key = ?1",
		.postgres = "SELECT remaining, reset_at, blocked_until FROM ratelimit_budgets "
		"WHERE key = ?1 FOR UPDATE"},
	[DB_BUDGET_PUT] = {"INSERT INTO ratelimit_budgets (key, remaining, reset_at, blocked_until, "
		"updated_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO UPDATE SET "
		"remaining = excluded.remaining, reset_at = excluded.reset_at, "
		"blocked_until = excluded.blocked_until, updated_at = excluded.updated_at"},
	[DB_COPY_TABLES] = {"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
		"'sqlite_%' ORDER BY name",
		.postgres = "SELECT table_name FROM information_schema.tables WHERE table_schema = "
		"current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"},
	COPY_TABLE(USERS, "users",
		   "id, email, name, password_hash, github_token, gitlab_token, "
		   "gitlab_url, jira_email, jira_token, jira_workspace, jira_username, "
		   "jira_project_keys, created_at, updated_at",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14"),
	COPY_SEQ(USERS, "users"),
	COPY_TABLE(REPOS, "repositories",
		   "id, user_id, name, owner, provider, url, is_valid, last_synced_at, "
		   "created_at, default_branch, project_id, branches_etag, last_success_at",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"),
	COPY_SEQ(REPOS, "repositories"),
	COPY_TABLE(COMMITS, "commits",
		   "id, repo_id, sha, message, author, author_email, branch, date, "
		   "jira_card_key, has_link, created_at, user_id",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12"),
	COPY_SEQ(COMMITS, "commits"),
	COPY_TABLE(LINKS, "commit_card_links",
		   "id, commit_id, jira_card_key, linked_at",
		   "?1, ?2, ?3, ?4"),
	COPY_SEQ(LINKS, "commit_card_links"),
	COPY_TABLE(HEADS, "branch_heads",
		   "repo_id, name, sha",
		   "?1, ?2, ?3"),
	COPY_TABLE(WS, "jira_workspaces",
		   "id, user_id, workspace, name, project_keys, is_active, last_success, "
		   "created_at, updated_at",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9"),
	COPY_SEQ(WS, "jira_workspaces"),
	COPY_TABLE(SPRINTS, "sprints",
		   "id, user_id, workspace_id, jira_sprint_id, board_id, name, state, start_date, "
		   "end_date, complete_date, issues_synced_at, created_at, updated_at",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13"),
	COPY_SEQ(SPRINTS, "sprints"),
	COPY_TABLE(CARDS, "jira_cards",
		   "id, user_id, workspace_id, card_key, summary, status, assignee, issue_type, "
		   "description, sprint_id, details_json, jira_updated_at, created_at, updated_at, "
		   "jira_sprint_id",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15"),
	COPY_SEQ(CARDS, "jira_cards"),
	COPY_TABLE(COMMENTS, "jira_comments",
		   "id, user_id, workspace_id, card_key, comment_id, author, author_email, body, "
		   "commented_at, synced_at, created_at",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11"),
	COPY_SEQ(COMMENTS, "jira_comments"),
	COPY_TABLE(TEMPLATES, "report_templates",
		   "id, user_id, name, content, is_default, created_at, updated_at",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7"),
	COPY_SEQ(TEMPLATES, "report_templates"),
	COPY_TABLE(REPORTS, "reports",
		   "id, user_id, template_id, report_type, period, title, content, file_url, "
		   "created_at, updated_at",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"),
	COPY_SEQ(REPORTS, "reports"),
	COPY_TABLE(AUTOSTATE, "report_auto_state",
		   "user_id, last_daily, last_monthly",
		   "?1, ?2, ?3"),
	COPY_TABLE(STATUS, "sync_status",
		   "user_id, source, status, last_sync, next_sync, last_error, "
		   "last_success, lease_owner, lease_expires, next_due",
		   "?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10"),
	COPY_TABLE(BUDGETS, "ratelimit_budgets",
		   "key, remaining, reset_at, blocked_until, updated_at",
		   "?1, ?2, ?3, ?4, ?5"),
};

const char *db_sql_text(db_dialect d, db_stmt_id id)
{
	if (d == DB_POSTGRES && db_sql_table[id].postgres)
		return db_sql_table[id].postgres;
	return db_sql_table[id].sql;
}
