/*
 * store.h on any two db.h drivers: pdt db copy. Tables are copied in
 * dependency order (copy_tables[]), ids kept, in one write transaction on
 * the target; then each table's count is compared with the source's, still
 * inside that transaction (a mismatch rolls everything back). Values move
 * as 64-bit integers or text by the column kinds below, so a copy between
 * dialects does not depend on how a driver prints a number.
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "core/log.h"
#include "store/db.h"

#include "core/banned.h"

typedef struct copy_table {
	const char *name;
	db_stmt_id select, insert, count, seq; /* seq DB__COUNT: no id column */
	const char *kinds; /* per column: 'i' integer, 't' text */
} copy_table;

#define NO_SEQ DB__COUNT

/* Parents before children (foreign keys hold at every insert). */
static const copy_table copy_tables[STORE_COPY_TABLES] = {
	{"users", DB_COPY_SELECT_USERS, DB_COPY_INSERT_USERS, DB_COPY_COUNT_USERS,
	 DB_COPY_SEQ_USERS, "itttttttttttii"},
	{"repositories", DB_COPY_SELECT_REPOS, DB_COPY_INSERT_REPOS, DB_COPY_COUNT_REPOS,
	 DB_COPY_SEQ_REPOS, "iittttiiittti"},
	{"commits", DB_COPY_SELECT_COMMITS, DB_COPY_INSERT_COMMITS, DB_COPY_COUNT_COMMITS,
	 DB_COPY_SEQ_COMMITS, "iitttttitiii"},
	{"commit_card_links", DB_COPY_SELECT_LINKS, DB_COPY_INSERT_LINKS, DB_COPY_COUNT_LINKS,
	 DB_COPY_SEQ_LINKS, "iiti"},
	{"branch_heads", DB_COPY_SELECT_HEADS, DB_COPY_INSERT_HEADS, DB_COPY_COUNT_HEADS, NO_SEQ,
	 "itt"},
	{"jira_workspaces", DB_COPY_SELECT_WS, DB_COPY_INSERT_WS, DB_COPY_COUNT_WS,
	 DB_COPY_SEQ_WS, "iitttiiii"},
	{"sprints", DB_COPY_SELECT_SPRINTS, DB_COPY_INSERT_SPRINTS, DB_COPY_COUNT_SPRINTS,
	 DB_COPY_SEQ_SPRINTS, "iiiiittiiiiii"},
	{"jira_cards", DB_COPY_SELECT_CARDS, DB_COPY_INSERT_CARDS, DB_COPY_COUNT_CARDS,
	 DB_COPY_SEQ_CARDS, "iiittttttitiiii"},
	{"jira_comments", DB_COPY_SELECT_COMMENTS, DB_COPY_INSERT_COMMENTS,
	 DB_COPY_COUNT_COMMENTS, DB_COPY_SEQ_COMMENTS, "iiitttttiii"},
	{"report_templates", DB_COPY_SELECT_TEMPLATES, DB_COPY_INSERT_TEMPLATES,
	 DB_COPY_COUNT_TEMPLATES, DB_COPY_SEQ_TEMPLATES, "iittiii"},
	{"reports", DB_COPY_SELECT_REPORTS, DB_COPY_INSERT_REPORTS, DB_COPY_COUNT_REPORTS,
	 DB_COPY_SEQ_REPORTS, "iiitttttii"},
	{"report_auto_state", DB_COPY_SELECT_AUTOSTATE, DB_COPY_INSERT_AUTOSTATE,
	 DB_COPY_COUNT_AUTOSTATE, NO_SEQ, "itt"},
	{"sync_status", DB_COPY_SELECT_STATUS, DB_COPY_INSERT_STATUS, DB_COPY_COUNT_STATUS, NO_SEQ,
	 "ittiititii"},
	{"ratelimit_budgets", DB_COPY_SELECT_BUDGETS, DB_COPY_INSERT_BUDGETS,
	 DB_COPY_COUNT_BUDGETS, NO_SEQ, "tiiii"},
};

const char *store_copy_table_name(size_t i)
{
	return i < STORE_COPY_TABLES ? copy_tables[i].name : NULL;
}

static bool known_table(const char *name)
{
	if (strcmp(name, "schema_migrations") == 0)
		return true; /* the target's own migrations fill it */
	for (size_t i = 0; i < STORE_COPY_TABLES; i++)
		if (strcmp(name, copy_tables[i].name) == 0)
			return true;
	return false;
}

/* PDT_EINVAL (named in err) when the source has a table the copy does not know. */
static pdt_err check_tables(db_conn *c, char *err, size_t errlen)
{
	db_stmt *st = db_stmt_get(c, DB_COPY_TABLES);
	if (!st)
		return PDT_ESTORE;
	pdt_err rc = PDT_OK;
	int r;
	while ((r = db_step(st)) == DB_ROW) {
		const char *name = db_col_text(st, 0);
		if (name && !known_table(name) && !rc) {
			snprintf(err, errlen, "table \"%s\" is not known to db copy", name);
			rc = PDT_EINVAL;
		}
	}
	db_stmt_done(st);
	return rc ? rc : r == DB_DONE ? PDT_OK : (pdt_err)r;
}

static pdt_err count_rows(db_conn *c, db_stmt_id id, int64_t *n)
{
	db_stmt *st = db_stmt_get(c, id);
	if (!st)
		return PDT_ESTORE;
	int r = db_step(st);
	*n = r == DB_ROW ? db_col_int64(st, 0) : 0;
	db_stmt_done(st);
	return r == DB_ROW ? PDT_OK : r == DB_DONE ? PDT_ESTORE : (pdt_err)r;
}

/* Binds the current row of src to ins, column by column. */
static void bind_row(db_stmt *src, db_stmt *ins, const char *kinds)
{
	for (int col = 0; kinds[col]; col++) {
		if (db_col_is_null(src, col))
			db_bind_null(ins, col + 1);
		else if (kinds[col] == 'i')
			db_bind_int64(ins, col + 1, db_col_int64(src, col));
		else
			db_bind_text(ins, col + 1, db_col_text(src, col));
	}
}

static pdt_err copy_one(db_conn *from, db_conn *to, const copy_table *t, int64_t *copied)
{
	db_stmt *src = db_stmt_get(from, t->select);
	if (!src)
		return PDT_ESTORE;
	pdt_err rc = PDT_OK;
	int r;
	*copied = 0;
	while (!rc && (r = db_step(src)) == DB_ROW) {
		db_stmt *ins = db_stmt_get(to, t->insert);
		if (!ins) {
			rc = PDT_ESTORE;
			break;
		}
		bind_row(src, ins, t->kinds);
		rc = db_step_done(ins);
		db_stmt_done(ins);
		if (!rc)
			(*copied)++;
	}
	if (!rc && r != DB_DONE)
		rc = (pdt_err)r;
	db_stmt_done(src);
	if (!rc && t->seq != NO_SEQ) {
		db_stmt *st = db_stmt_get(to, t->seq);
		rc = st ? (db_step(st) == DB_ROW ? PDT_OK : PDT_ESTORE) : PDT_ESTORE;
		db_stmt_done(st);
	}
	return rc;
}

/* Every table, then the counts on both sides; on `to`'s open transaction. */
static pdt_err copy_all(db_conn *from, db_conn *to, int64_t counts[STORE_COPY_TABLES],
			char *err, size_t errlen)
{
	pdt_err rc = PDT_OK;
	for (size_t i = 0; !rc && i < STORE_COPY_TABLES; i++) {
		int64_t n = 0;
		rc = count_rows(to, copy_tables[i].count, &n);
		if (!rc && n) {
			snprintf(err, errlen, "the target is not empty (table %s has %lld rows)",
				 copy_tables[i].name, (long long)n);
			return PDT_ECONFLICT;
		}
	}
	for (size_t i = 0; !rc && i < STORE_COPY_TABLES; i++) {
		int64_t copied = 0, in_src = 0, in_dst = 0;
		rc = copy_one(from, to, &copy_tables[i], &copied);
		if (!rc)
			rc = count_rows(from, copy_tables[i].count, &in_src);
		if (!rc)
			rc = count_rows(to, copy_tables[i].count, &in_dst);
		if (!rc && (in_src != copied || in_dst != copied)) {
			snprintf(err, errlen, "table %s: %lld rows in the source, %lld copied, %lld "
				 "in the target", copy_tables[i].name, (long long)in_src,
				 (long long)copied, (long long)in_dst);
			rc = PDT_ESTORE;
		}
		counts[i] = copied;
		if (rc && !err[0])
			snprintf(err, errlen, "copying table %s failed: %s (see log)",
				 copy_tables[i].name, pdt_strerror(rc));
	}
	return rc;
}

pdt_err store_copy(store *from, store *to, int64_t counts[STORE_COPY_TABLES], char *err,
		   size_t errlen)
{
	db_conn *src = NULL, *dst = NULL;
	err[0] = '\0';
	memset(counts, 0, sizeof(int64_t) * STORE_COPY_TABLES);
	/* The source's writer lock keeps its own writers (a local serve) out
	 * while it is read; the rows are read in one transaction of its own. */
	pdt_err rc = db_write_begin(from, &src);
	if (rc)
		return rc;
	rc = check_tables(src, err, errlen);
	if (!rc)
		rc = db_write_begin(to, &dst);
	if (!rc) {
		rc = copy_all(src, dst, counts, err, errlen);
		rc = db_write_end(to, dst, rc);
		if (rc && !err[0])
			snprintf(err, errlen, "committing on the target failed (see log)");
	}
	db_write_end(from, src, PDT_ECANCELLED); /* nothing was written: roll back */
	return rc;
}
