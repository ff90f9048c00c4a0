/*
 * The PostgreSQL driver of db.h through libpq: opening, the connection pool
 * with reconnects, statements prepared once per connection, SQLSTATE
 * mapping and write transactions. The design is described in db_pg.h.
 */
#include "store/db_pg.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/mem.h"

#include "core/banned.h"

#define PG_TEXTOID 25 /* pg_type oid of text: declared type of unused parameters */

typedef struct pg_conn pg_conn;

typedef struct pg_stmt {
	db_stmt base; /* first: db_stmt* and pg_stmt* convert */
	pg_conn *c;
	db_stmt_id id;
	int nparams;
	unsigned used; /* bit N-1: ?N appears in the text */
	const char *vals[DB_PG_MAX_PARAMS];
	char *owned[DB_PG_MAX_PARAMS]; /* copies of strings bound with a length */
	char ints[DB_PG_MAX_PARAMS][24];
	PGresult *res; /* after the first step */
	int row, nrows;
	int64_t changes;
	pdt_err err; /* first bind failure, returned by step */
} pg_stmt;

struct pg_conn {
	db_conn base; /* first */
	PGconn *pg;
	_Atomic unsigned *losses; /* the pool's count of connections found lost */
	unsigned checked;	  /* *losses when this one was last known alive */
	bool begin_pending;	  /* write_begin ran: BEGIN goes out with the first statement */
	bool prepared[DB__COUNT];
	pg_stmt stmts[DB__COUNT];
};

struct db_pool {
	pg_conn *conns;
	int nconns;
	int *free_idx; /* stack of indexes of idle connections */
	int nfree;
	_Atomic unsigned losses; /* bumped whenever a connection is found lost */
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static pg_stmt *pgs(db_stmt *st)
{
	return (pg_stmt *)st;
}

static pg_conn *pgc(db_conn *c)
{
	return (pg_conn *)c;
}

/* ---- placeholders ---- */

/* Copies a quoted run starting at sql[i] (quote q) to out; returns the index after it. */
static size_t copy_quoted(const char *sql, size_t i, char *out)
{
	char q = sql[i];
	out[i] = sql[i];
	for (i++; sql[i]; i++) {
		out[i] = sql[i];
		if (sql[i] == q) {
			if (sql[i + 1] != q)
				return i + 1;
			out[i + 1] = sql[i + 1]; /* '' or "" inside */
			i++;
		}
	}
	return i;
}

pdt_err db_pg_rewrite(const char *sql, char *out, size_t outlen, int *nparams, unsigned *used)
{
	size_t n = strlen(sql), i = 0;
	*nparams = 0;
	*used = 0;
	if (outlen < n + 1)
		return PDT_EINVAL;
	while (i < n) {
		if (sql[i] == '\'' || sql[i] == '"') {
			i = copy_quoted(sql, i, out);
			continue;
		}
		if (sql[i] != '?') {
			out[i] = sql[i];
			i++;
			continue;
		}
		int num = 0;
		size_t j = i + 1;
		while (sql[j] >= '0' && sql[j] <= '9' && num <= DB_PG_MAX_PARAMS)
			num = num * 10 + (sql[j++] - '0');
		if (j == i + 1 || num < 1 || num > DB_PG_MAX_PARAMS)
			return PDT_EINVAL;
		out[i] = '$';
		memcpy(out + i + 1, sql + i + 1, j - i - 1);
		*used |= 1u << (num - 1);
		if (num > *nparams)
			*nparams = num;
		i = j;
	}
	out[n] = '\0';
	return PDT_OK;
}

/* ---- errors ---- */

pdt_err db_pg_map_sqlstate(const char *state)
{
	if (!state || strlen(state) != 5)
		return PDT_EUNAVAIL; /* libpq's own failure: the connection */
	if (strcmp(state, "23505") == 0)
		return PDT_ECONFLICT;
	if (strcmp(state, "23503") == 0)
		return PDT_ENOTFOUND;
	if (strcmp(state, "23514") == 0 || strcmp(state, "23502") == 0)
		return PDT_EINVAL;
	if (strncmp(state, "08", 2) == 0 || strcmp(state, "57P01") == 0 ||
	    strcmp(state, "57P02") == 0 || strcmp(state, "57P03") == 0)
		return PDT_EUNAVAIL;
	return PDT_ESTORE;
}

/* First line of msg, at most 160 bytes, into buf. */
static const char *first_line(const char *msg, char *buf, size_t len)
{
	size_t n = msg ? strcspn(msg, "\r\n") : 0;
	snprintf(buf, len, "%.*s", (int)(n < 160 ? n : 160), msg ? msg : "");
	return buf;
}

/* Maps a failed result (res may be NULL) on c; logs what is not a constraint. */
static pdt_err pg_fail(pg_conn *c, const PGresult *res, const char *op)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	if (PQstatus(c->pg) == CONNECTION_BAD)
		state = NULL;
	pdt_err e = db_pg_map_sqlstate(state);
	char line[192];
	if (e == PDT_EUNAVAIL) {
		atomic_fetch_add(c->losses, 1);
		log_warn("msg=\"store: database unavailable\" op=%s detail=\"%s\"", op,
			 first_line(PQerrorMessage(c->pg), line, sizeof line));
	} else if (e == PDT_ESTORE) {
		/* Data exceptions (class 22) may quote a bound value: SQLSTATE only. */
		const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
		if (strncmp(state, "22", 2) == 0)
			primary = NULL;
		log_error("msg=\"store: database error\" op=%s sqlstate=%s detail=\"%s\"", op, state,
			  first_line(primary, line, sizeof line));
	}
	return e;
}

/* ---- statements ---- */

static db_stmt *pg_stmt_get(db_conn *dc, db_stmt_id id)
{
	return &pgc(dc)->stmts[id].base;
}

/* Prepares st on its connection (once per connection). */
static pdt_err pg_prepare(pg_stmt *st)
{
	pg_conn *c = st->c;
	if (c->prepared[st->id])
		return PDT_OK;
	if (PQstatus(c->pg) != CONNECTION_OK)
		return pg_fail(c, NULL, "prepare");
	const char *sql = db_sql_text(DB_POSTGRES, st->id);
	size_t n = strlen(sql) + 1;
	char *text = xmalloc(n);
	char name[16];
	Oid types[DB_PG_MAX_PARAMS] = {0};
	int np = 0;
	unsigned used = 0;
	pdt_err rc = db_pg_rewrite(sql, text, n, &np, &used);
	if (rc) {
		log_error("msg=\"store: bad placeholders\" stmt=%d", (int)st->id);
		rc = PDT_ESTORE;
		goto cleanup;
	}
	for (int i = 0; i < np; i++)
		types[i] = (used >> i & 1u) ? 0 : PG_TEXTOID;
	snprintf(name, sizeof name, "s%d", (int)st->id);
	PGresult *res = PQprepare(c->pg, name, text, np, types);
	if (PQresultStatus(res) == PGRES_COMMAND_OK)
		c->prepared[st->id] = true;
	else
		rc = pg_fail(c, res, "prepare");
	PQclear(res);
	if (rc == PDT_ESTORE)
		log_error("msg=\"store: prepare failed\" stmt=%d", (int)st->id);
cleanup:
	free(text);
	return rc;
}

static void clear_params(pg_stmt *st)
{
	for (int i = 0; i < DB_PG_MAX_PARAMS; i++) {
		free(st->owned[i]);
		st->owned[i] = NULL;
		st->vals[i] = NULL;
	}
}

static void pg_stmt_done(db_stmt *dst)
{
	pg_stmt *st = pgs(dst);
	PQclear(st->res);
	st->res = NULL;
	st->row = st->nrows = 0;
	st->changes = 0;
	st->err = PDT_OK;
	clear_params(st);
}

static int pg_param_count(db_stmt *st)
{
	return pgs(st)->nparams;
}

/* Checks idx and frees a previous copy; remembers a failure for step. */
static pdt_err bind_slot(pg_stmt *st, int idx)
{
	if (idx >= 1 && idx <= st->nparams) {
		free(st->owned[idx - 1]);
		st->owned[idx - 1] = NULL;
		return PDT_OK;
	}
	log_error("msg=\"store: bind index out of range\" stmt=%d idx=%d", (int)st->id, idx);
	if (!st->err)
		st->err = PDT_ESTORE;
	return PDT_ESTORE;
}

static pdt_err pg_bind_int64(db_stmt *dst, int idx, int64_t v)
{
	pg_stmt *st = pgs(dst);
	pdt_err rc = bind_slot(st, idx);
	if (rc)
		return rc;
	snprintf(st->ints[idx - 1], sizeof st->ints[idx - 1], "%lld", (long long)v);
	st->vals[idx - 1] = st->ints[idx - 1];
	return PDT_OK;
}

static pdt_err pg_bind_text(db_stmt *dst, int idx, const char *v, int len)
{
	pg_stmt *st = pgs(dst);
	pdt_err rc = bind_slot(st, idx);
	if (rc)
		return rc;
	if (len >= 0) {
		st->owned[idx - 1] = xstrndup(v, (size_t)len);
		v = st->owned[idx - 1];
	}
	st->vals[idx - 1] = v;
	return PDT_OK;
}

static pdt_err pg_bind_null(db_stmt *dst, int idx)
{
	pg_stmt *st = pgs(dst);
	pdt_err rc = bind_slot(st, idx);
	if (rc)
		return rc;
	st->vals[idx - 1] = NULL;
	return PDT_OK;
}

/*
 * The results of a BEGIN + statement pipeline: BEGIN's, then the
 * statement's, then the sync (each query's results end with a NULL). Returns
 * the statement's result, or the first failure (a failed BEGIN aborts the
 * statement: its error is the one that says why). Bounded: a lost connection
 * gives NULLs, which end each query too.
 */
static PGresult *pipeline_results(pg_conn *c)
{
	PGresult *out = NULL, *fail = NULL;
	int query = 0; /* 0 BEGIN, 1 the statement, 2 the sync */
	for (int i = 0; i < 16 && query < 3; i++) {
		PGresult *r = PQgetResult(c->pg);
		if (!r) {
			query++;
			continue;
		}
		ExecStatusType s = PQresultStatus(r);
		if (s == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			break;
		}
		bool ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
		if (!ok && s != PGRES_PIPELINE_ABORTED && !fail)
			fail = r;
		else if (query == 1 && ok && !out)
			out = r;
		else
			PQclear(r);
	}
	if (fail) {
		PQclear(out);
		return fail;
	}
	return out;
}

/*
 * The first statement of a write transaction goes out with its BEGIN in one
 * pipeline: one round trip instead of two. (Most store writes are one to a
 * few statements, so a separate BEGIN was a large share of a sync pass's
 * round trips.) NULL when nothing came back (the connection is lost).
 */
static PGresult *exec_with_begin(pg_conn *c, const char *name, pg_stmt *st)
{
	c->begin_pending = false;
	if (!PQenterPipelineMode(c->pg))
		return NULL;
	PGresult *res = NULL;
	if (PQsendQueryParams(c->pg, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) &&
	    PQsendQueryPrepared(c->pg, name, st->nparams, st->vals, NULL, NULL, 0) &&
	    PQpipelineSync(c->pg))
		res = pipeline_results(c);
	if (!PQexitPipelineMode(c->pg))
		log_warn("msg=\"store: pipeline left open\" detail=\"connection reset at next use\"");
	return res;
}

/* Runs the statement: the first step of each use. */
static int pg_run(pg_stmt *st)
{
	pg_conn *c = st->c;
	pdt_err rc = pg_prepare(st);
	if (rc)
		return rc;
	char name[16];
	snprintf(name, sizeof name, "s%d", (int)st->id);
	if (c->begin_pending)
		st->res = exec_with_begin(c, name, st);
	else
		st->res = PQexecPrepared(c->pg, name, st->nparams, st->vals, NULL, NULL, 0);
	switch (PQresultStatus(st->res)) {
	case PGRES_TUPLES_OK:
		st->nrows = PQntuples(st->res);
		st->row = -1;
		return PDT_OK;
	case PGRES_COMMAND_OK:
		st->nrows = 0;
		st->row = -1;
		st->changes = strtoll(PQcmdTuples(st->res), NULL, 10);
		return PDT_OK;
	default:
		rc = pg_fail(c, st->res, "step");
		PQclear(st->res);
		st->res = NULL;
		return rc;
	}
}

static int pg_step(db_stmt *dst)
{
	pg_stmt *st = pgs(dst);
	if (st->err)
		return st->err;
	if (!st->res) {
		int rc = pg_run(st);
		if (rc) {
			st->err = (pdt_err)rc;
			return rc;
		}
	}
	if (st->row + 1 < st->nrows) {
		st->row++;
		return DB_ROW;
	}
	st->row = st->nrows;
	return DB_DONE;
}

static bool in_row(const pg_stmt *st, int col)
{
	return st->res && st->row >= 0 && st->row < st->nrows && col >= 0 &&
	       col < PQnfields(st->res);
}

static int64_t pg_col_int64(db_stmt *dst, int col)
{
	pg_stmt *st = pgs(dst);
	if (!in_row(st, col) || PQgetisnull(st->res, st->row, col))
		return 0;
	return strtoll(PQgetvalue(st->res, st->row, col), NULL, 10);
}

static const char *pg_col_text(db_stmt *dst, int col)
{
	pg_stmt *st = pgs(dst);
	if (!in_row(st, col) || PQgetisnull(st->res, st->row, col))
		return NULL;
	return PQgetvalue(st->res, st->row, col);
}

static bool pg_col_is_null(db_stmt *dst, int col)
{
	pg_stmt *st = pgs(dst);
	return !in_row(st, col) || PQgetisnull(st->res, st->row, col);
}

static int64_t pg_changes(db_stmt *st)
{
	return pgs(st)->changes;
}

/* ---- scripts and transactions ---- */

/* Runs sql (one or several statements) with the simple query protocol. */
static pdt_err simple(pg_conn *c, const char *sql, const char *op)
{
	if (PQstatus(c->pg) != CONNECTION_OK)
		return pg_fail(c, NULL, op);
	PGresult *res = PQexec(c->pg, sql);
	ExecStatusType s = PQresultStatus(res);
	pdt_err rc = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ? PDT_OK
								   : pg_fail(c, res, op);
	PQclear(res);
	return rc;
}

/* A script or command run in a write transaction whose BEGIN is still
 * pending sends the BEGIN first. */
static pdt_err begin_now(pg_conn *c)
{
	if (!c->begin_pending)
		return PDT_OK;
	c->begin_pending = false;
	return simple(c, "BEGIN", "begin");
}

static pdt_err pg_exec(db_conn *c, const char *sql, const char *op)
{
	pdt_err rc = begin_now(pgc(c));
	return rc ? rc : simple(pgc(c), sql, op);
}

/*
 * Tables of the current schema that have rows changed but were never
 * analyzed get an ANALYZE; everything later is autovacuum's autoanalyze.
 * Without statistics the planner sorts all of a user's commits for
 * GET /api/commits?limit=N instead of walking commits_user_date (5 ms against
 * 0.2 ms for 100 of 10,000), and autoanalyze can be a minute away. Later
 * calls (after every worker pass) cost one catalog query.
 */
static pdt_err pg_optimize(db_conn *c)
{
	pdt_err rc = begin_now(pgc(c));
	if (rc)
		return rc;
	return simple(pgc(c),
		      "DO $pdt$ DECLARE t text; BEGIN FOR t IN SELECT quote_ident(relname) "
		      "FROM pg_stat_user_tables WHERE schemaname = current_schema() "
		      "AND last_analyze IS NULL AND last_autoanalyze IS NULL "
		      "AND n_mod_since_analyze > 0 LOOP EXECUTE 'ANALYZE ' || t; END LOOP; "
		      "END $pdt$",
		      "analyze");
}

/* ---- pool ---- */

static void forget_prepared(pg_conn *c)
{
	memset(c->prepared, 0, sizeof c->prepared);
}

/*
 * Reads what the server sent an idle connection. A server that shut down
 * sent a FATAL message and then closed: one PQconsumeInput reads only the
 * message, the next one meets the end. Bounded: an idle connection gets at
 * most a notice or two.
 */
static void drain(pg_conn *c)
{
	for (int i = 0; i < 4 && PQstatus(c->pg) == CONNECTION_OK; i++) {
		struct pollfd pfd = {.fd = PQsocket(c->pg), .events = POLLIN};
		if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
			return;
		if (!PQconsumeInput(c->pg))
			return;
	}
}

/*
 * After another connection of the pool was found lost (restart, failover),
 * this one may have been cut too without a word reaching it yet: one empty
 * round trip tells, once per loss, before a request's statement meets it.
 */
static bool verify(pg_conn *c, unsigned losses)
{
	/* A pipeline that could not be left (exec_with_begin) needs a reset too. */
	if (PQstatus(c->pg) != CONNECTION_OK || PQpipelineStatus(c->pg) != PQ_PIPELINE_OFF)
		return false;
	if (c->checked == losses)
		return true;
	PGresult *res = PQexec(c->pg, "");
	bool alive = PQresultStatus(res) == PGRES_EMPTY_QUERY;
	PQclear(res);
	if (alive)
		c->checked = losses;
	return alive;
}

/*
 * A connection the server closed (restart, idle kill) is found and reset
 * before use, so a request meets a dead connection only when the server
 * went away unannounced and no other connection has noticed yet.
 */
static void revive(pg_conn *c)
{
	drain(c);
	if (verify(c, atomic_load(c->losses))) {
		/* A transaction left open by a failed ROLLBACK must not leak. */
		if (PQtransactionStatus(c->pg) != PQTRANS_IDLE)
			simple(c, "ROLLBACK", "rollback");
		return;
	}
	forget_prepared(c);
	unsigned losses = atomic_load(c->losses);
	PQreset(c->pg);
	char line[192];
	if (PQstatus(c->pg) == CONNECTION_OK) {
		c->checked = losses;
		log_info("msg=\"store: database connection re-established\"");
	} else {
		log_warn("msg=\"store: database reconnect failed\" detail=\"%s\"",
			 first_line(PQerrorMessage(c->pg), line, sizeof line));
	}
}

static db_conn *pg_checkout(db_pool *p)
{
	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	pg_conn *c = &p->conns[p->free_idx[--p->nfree]];
	pthread_mutex_unlock(&p->mu);
	revive(c);
	return &c->base;
}

static void pg_checkin(db_pool *p, db_conn *c)
{
	pthread_mutex_lock(&p->mu);
	p->free_idx[p->nfree++] = (int)(pgc(c) - p->conns);
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

/* BEGIN is not sent here but with the transaction's first statement
 * (exec_with_begin); a connection found lost fails here as before. */
static pdt_err pg_write_begin(db_pool *p, db_conn **out)
{
	*out = NULL;
	db_conn *c = pg_checkout(p);
	if (PQstatus(pgc(c)->pg) != CONNECTION_OK) {
		pdt_err rc = pg_fail(pgc(c), NULL, "begin");
		pg_checkin(p, c);
		return rc;
	}
	pgc(c)->begin_pending = true;
	*out = c;
	return PDT_OK;
}

static pdt_err pg_write_end(db_pool *p, db_conn *dc, pdt_err rc)
{
	pg_conn *c = pgc(dc);
	if (c->begin_pending) {
		/* Nothing was sent: nothing to commit or to roll back. */
		c->begin_pending = false;
		pg_checkin(p, dc);
		return rc;
	}
	if (rc == PDT_OK) {
		pdt_err crc = simple(c, "COMMIT", "commit");
		if (crc)
			rc = crc == PDT_EUNAVAIL ? PDT_EUNAVAIL : PDT_ESTORE;
	}
	if (rc != PDT_OK && PQstatus(c->pg) == CONNECTION_OK &&
	    PQtransactionStatus(c->pg) != PQTRANS_IDLE)
		simple(c, "ROLLBACK", "rollback");
	pg_checkin(p, dc);
	return rc;
}

/* ---- open / close ---- */

static void pg_close(db_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nconns; i++) {
		for (int k = 0; k < DB__COUNT; k++)
			pg_stmt_done(&p->conns[i].stmts[k].base);
		PQfinish(p->conns[i].pg);
	}
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->conns);
	free(p->free_idx);
	free(p);
}

/* The password of url, or NULL; checks that libpq can parse it at all. */
static pdt_err url_password(const char *url, char **password)
{
	char *msg = NULL;
	*password = NULL;
	PQconninfoOption *opts = PQconninfoParse(url, &msg);
	PQfreemem(msg); /* may quote part of the URL: never shown */
	if (!opts)
		return PDT_EINVAL;
	for (PQconninfoOption *o = opts; o->keyword; o++)
		if (strcmp(o->keyword, "password") == 0 && o->val && *o->val)
			*password = xstrdup(o->val);
	PQconninfoFree(opts);
	return PDT_OK;
}

static void init_conn(pg_conn *c)
{
	c->base.drv = &db_pg_driver;
	for (int k = 0; k < DB__COUNT; k++) {
		pg_stmt *st = &c->stmts[k];
		st->base.drv = &db_pg_driver;
		st->c = c;
		st->id = (db_stmt_id)k;
		const char *sql = db_sql_text(DB_POSTGRES, (db_stmt_id)k);
		size_t n = strlen(sql) + 1;
		char *text = xmalloc(n);
		if (db_pg_rewrite(sql, text, n, &st->nparams, &st->used))
			st->nparams = 0; /* reported when it is prepared */
		free(text);
	}
}

/* Server notices ("relation ... already exists, skipping" from the migration
 * bookkeeping's IF NOT EXISTS) would go to stderr raw; they are debug lines. */
static void on_notice(void *arg, const char *message)
{
	(void)arg;
	char line[192];
	first_line(message, line, sizeof line);
	log_debug("msg=\"store: postgres notice\" text=\"%s\"", line);
}

static pdt_err open_conn(const char *url, const char *password, pg_conn *c, char *err,
			 size_t errlen)
{
	/* Defaults first: expand_dbname lets the URL's own values override them. */
	const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
	const char *vals[] = {"5", "pdt", url, NULL};
	init_conn(c);
	c->pg = PQconnectdbParams(keys, vals, 1);
	if (c->pg && PQstatus(c->pg) == CONNECTION_OK) {
		PQsetNoticeProcessor(c->pg, on_notice, NULL); /* kept across PQreset */
		return PDT_OK;
	}
	char line[192];
	first_line(c->pg ? PQerrorMessage(c->pg) : "out of memory", line, sizeof line);
	if (password && strstr(line, password))
		snprintf(line, sizeof line, "connection failed");
	snprintf(err, errlen, "DATABASE_URL: cannot connect to PostgreSQL: %s", line);
	return PDT_ESTORE;
}

static pdt_err pg_open(const char *url, int pool_size, db_pool **out, char *err, size_t errlen)
{
	char *password = NULL;
	db_pool *p = NULL;
	pdt_err rc = PDT_EINVAL;
	*out = NULL;
	if (url_password(url, &password)) {
		snprintf(err, errlen, "DATABASE_URL: not a valid PostgreSQL URI");
		goto cleanup;
	}
	p = xcalloc(1, sizeof *p);
	p->conns = xcalloc((size_t)pool_size, sizeof *p->conns);
	p->free_idx = xcalloc((size_t)pool_size, sizeof *p->free_idx);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (int i = 0; i < pool_size; i++) {
		p->nconns++;
		p->conns[i].losses = &p->losses;
		rc = open_conn(url, password, &p->conns[i], err, errlen);
		if (rc)
			goto cleanup;
		p->free_idx[p->nfree++] = i;
	}
	*out = p;
	p = NULL;
	rc = PDT_OK;
cleanup:
	pg_close(p);
	mem_free_secret(password);
	return rc;
}

const db_driver db_pg_driver = {
	.scheme = "postgres://",
	.dialect = DB_POSTGRES,
	.open = pg_open,
	.close = pg_close,
	.checkout = pg_checkout,
	.checkin = pg_checkin,
	.write_begin = pg_write_begin,
	.write_end = pg_write_end,
	.stmt_get = pg_stmt_get,
	.stmt_done = pg_stmt_done,
	.param_count = pg_param_count,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.bind_null = pg_bind_null,
	.step = pg_step,
	.col_int64 = pg_col_int64,
	.col_text = pg_col_text,
	.col_is_null = pg_col_is_null,
	.changes = pg_changes,
	.exec = pg_exec,
	.optimize = pg_optimize,
};
