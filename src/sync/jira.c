#include "sync/jira.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth/secretbox.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/mem.h"
#include "core/buf.h"
#include "core/timeutil.h"
#include "sync/jiradetail.h"
#include "upstream/jira.h"
#include "upstream/targets.h"
#include "core/banned.h"

#define SOURCE "jira"
#define JIRA_JQL_MAX (4u << 20) /* key in (...) for every card of the open sprints */

bool sync_jira_configured(const store_user *u)
{
	return u->jira_email && u->jira_email[0] && u->jira_token_enc && u->jira_workspace &&
	       u->jira_workspace[0];
}

/* A growable array of T with a count: the pass's small collections. */
#define VEC(T) struct { T *v; size_t n, cap; }
#define VEC_PUSH(vec) \
	((vec).n == (vec).cap ? ((vec).cap = (vec).cap ? (vec).cap * 2 : 16, \
				 (vec).v = xrealloc((vec).v, (vec).cap * sizeof *(vec).v)) : 0, \
	 memset(&(vec).v[(vec).n], 0, sizeof *(vec).v), &(vec).v[(vec).n++])

typedef struct owned_sprint {
	store_sprint_in in;
	char *name;
	char *state;
} owned_sprint;

typedef struct jpass {
	sync_ctx *ctx;
	jira_ref ref;
	int64_t user_id;
	int64_t workspace_id;
	const char *site;       /* the workspace's base URL at the start */
	int64_t now;
	int64_t last_success;
	bool warm;              /* a fully successful pass ran: only open sprints are listed */
	bool boards_complete;   /* every board's sprint list arrived */
	struct store_sprint_list known; /* the user's sprints as stored at the start */
	VEC(int64_t) boards;
	VEC(owned_sprint) sprints;   /* written back: listed, or read once more */
	jiradetail_set cards;
	VEC(int64_t) synced;
	VEC(int64_t) gone;           /* sprints Jira no longer has */
	int64_t cur_board;
	int64_t deadline_ms; /* monotonic; 0 = none */
	netpolicy policy;    /* UPSTREAM_*: the user's Jira site is checked (ref.policy) */
	char error[400];
} jpass;

/* Cancelled, or past the pass's time limit (which is then reported). */
static bool out_of_time(jpass *p)
{
	if (upstream_client_cancelled(p->ctx->client))
		return true;
	if (!p->deadline_ms || timeutil_mono_ms() < p->deadline_ms)
		return false;
	if (!p->error[0])
		snprintf(p->error, sizeof p->error,
			 "time limit reached; the rest is synced by the next pass");
	return true;
}

static void fail(jpass *p, const char *what, pdt_err rc, const provider_result *res)
{
	if (p->error[0])
		return; /* keep the first failure: the rest usually follow from it */
	if (rc == PDT_ETIMEOUT && out_of_time(p))
		return; /* the time limit cut a request short: out_of_time said so */
	if (res->status)
		snprintf(p->error, sizeof p->error, "%s: %s (HTTP %ld)", what,
			 res->err[0] ? res->err : pdt_strerror(rc), res->status);
	else
		snprintf(p->error, sizeof p->error, "%s: %s", what,
			 res->err[0] ? res->err : pdt_strerror(rc));
}

static int on_board(const jira_board *b, void *ctx)
{
	jpass *p = ctx;
	*VEC_PUSH(p->boards) = b->id;
	return 0;
}

static owned_sprint *find_sprint(jpass *p, int64_t jira_id)
{
	for (size_t i = 0; i < p->sprints.n; i++)
		if (p->sprints.v[i].in.jira_sprint_id == jira_id)
			return &p->sprints.v[i];
	return NULL;
}

static int on_sprint(const jira_sprint *s, void *ctx)
{
	jpass *p = ctx;
	if (find_sprint(p, s->id))
		return 0; /* listed by another board too */
	owned_sprint *o = VEC_PUSH(p->sprints);
	o->name = xstrdup(s->name ? s->name : "");
	o->state = xstrdup(s->state ? s->state : "");
	o->in = (store_sprint_in){.jira_sprint_id = s->id, .board_id = s->board_id ? s->board_id : p->cur_board,
				  .name = o->name, .state = o->state, .start_date = s->start_date,
				  .end_date = s->end_date, .complete_date = s->complete_date};
	return 0;
}

static pdt_err list_boards_and_sprints(jpass *p)
{
	provider_result res = {0};
	pdt_err rc = jira_boards(p->ctx->client, &p->ref, on_board, p, &res);
	if (rc) {
		fail(p, "boards", rc, &res);
		return rc;
	}
	p->boards_complete = true;
	for (size_t i = 0; i < p->boards.n; i++) {
		if (out_of_time(p)) {
			p->boards_complete = false;
			break;
		}
		memset(&res, 0, sizeof res);
		p->cur_board = p->boards.v[i];
		rc = jira_sprints(p->ctx->client, &p->ref, p->boards.v[i], p->warm, on_sprint, p,
				  &res);
		if (rc == PDT_ECANCELLED)
			return rc;
		if (rc && res.status == 400)
			continue; /* a kanban board: no sprints */
		if (rc) {
			char what[64];
			snprintf(what, sizeof what, "sprints of board %lld", (long long)p->boards.v[i]);
			fail(p, what, rc, &res);
			p->boards_complete = false;
		}
	}
	return PDT_OK;
}

static const store_sprint *known_sprint(const jpass *p, int64_t jira_id)
{
	for (size_t i = 0; i < p->known.n; i++)
		if (p->known.items[i].jira_sprint_id == jira_id)
			return &p->known.items[i];
	return NULL;
}

/* issues_synced_at of the stored sprint with this Jira id, 0 when none. */
static int64_t synced_at(const jpass *p, int64_t jira_id)
{
	const store_sprint *k = known_sprint(p, jira_id);
	return k ? k->issues_synced_at : 0;
}

static bool is_open(const char *state)
{
	return strcmp(state, "active") == 0 || strcmp(state, "future") == 0;
}

/* Lists one sprint's issues completely. On failure the sprint's partial
 * batch is dropped (what is stored stays) and false is returned. */
static bool list_issues(jpass *p, int64_t jira_sprint_id)
{
	provider_result res = {0};
	jiradetail_set_sprint(&p->cards, jira_sprint_id);
	pdt_err rc = jira_sprint_issues(p->ctx->client, &p->ref, jira_sprint_id, NULL,
					jiradetail_on_issue, &p->cards, &res);
	if (rc == PDT_OK)
		rc = jiradetail_fetch_truncated(&p->cards, p->ctx->client, &p->ref, &res);
	if (rc) {
		char what[64];
		jiradetail_discard_pending(&p->cards);
		snprintf(what, sizeof what, "issues of sprint %lld", (long long)jira_sprint_id);
		fail(p, what, rc, &res);
		return false;
	}
	*VEC_PUSH(p->synced) = jira_sprint_id;
	return true;
}

/* 0: skip; 1: closed; 2: future; 3: active — listed from 3 down. */
static int wanted(const jpass *p, const owned_sprint *s)
{
	if (strcmp(s->state, "active") == 0)
		return 3;
	if (strcmp(s->state, "future") == 0)
		return 2;
	int64_t ended = s->in.complete_date ? s->in.complete_date : s->in.end_date;
	int64_t horizon = p->now - (int64_t)p->ctx->cfg->sync_lookback_days * 86400;
	if (ended >= horizon && !synced_at(p, s->in.jira_sprint_id))
		return 1;
	return 0;
}

/* The first pass: every sprint that matters, listed whole; active first, so
 * what matters most arrives first when a time limit cuts the pass short. */
static void cold_issues(jpass *p)
{
	for (int order = 3; order >= 1; order--)
		for (size_t i = 0; i < p->sprints.n; i++)
			if (wanted(p, &p->sprints.v[i]) == order && !out_of_time(p))
				list_issues(p, p->sprints.v[i].in.jira_sprint_id);
}

static int on_left_sprint(const jira_sprint *s, void *ctx)
{
	return on_sprint(s, ctx);
}

/* A sprint stored as open that no board lists as open any more: read once
 * more — its state now, and (closed) its cards' final states. */
static void reread_left(jpass *p, const store_sprint *k)
{
	provider_result res = {0};
	size_t before = p->sprints.n;
	p->cur_board = k->board_id;
	pdt_err rc = jira_sprint_get(p->ctx->client, &p->ref, k->jira_sprint_id, on_left_sprint,
				     p, &res);
	if (rc && res.status == 404) {
		*VEC_PUSH(p->gone) = k->jira_sprint_id;
		return;
	}
	if (rc) {
		char what[64];
		snprintf(what, sizeof what, "sprint %lld", (long long)k->jira_sprint_id);
		fail(p, what, rc, &res);
		return;
	}
	if (p->sprints.n == before || is_open(p->sprints.v[before].state))
		return; /* still open: the search below covers it */
	if (!list_issues(p, k->jira_sprint_id)) {
		owned_sprint *o = &p->sprints.v[--p->sprints.n]; /* retried next pass */
		free(o->name);
		free(o->state);
	}
}

static void reread_left_sprints(jpass *p)
{
	if (!p->boards_complete)
		return; /* a board's list is missing: absence proves nothing */
	for (size_t i = 0; i < p->known.n && !out_of_time(p); i++) {
		const store_sprint *k = &p->known.items[i];
		if (is_open(k->state) && !find_sprint(p, k->jira_sprint_id))
			reread_left(p, k);
	}
}

/* Open sprints never listed before are listed whole, active first. */
static void list_new_open(jpass *p)
{
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < p->sprints.n && !out_of_time(p); i++) {
			owned_sprint *o = &p->sprints.v[i];
			if (strcmp(o->state, pass ? "future" : "active") == 0 &&
			    !synced_at(p, o->in.jira_sprint_id))
				list_issues(p, o->in.jira_sprint_id);
		}
}

/* The open sprints whose issues were listed before: what the search covers. */
static bool in_search(const jpass *p, int64_t jira_id)
{
	for (size_t i = 0; i < p->sprints.n; i++) {
		const owned_sprint *o = &p->sprints.v[i];
		if (o->in.jira_sprint_id == jira_id)
			return is_open(o->state) && synced_at(p, jira_id);
	}
	return false;
}

/* The Jira id of the stored sprint with this local id, 0 when none. */
static int64_t jira_id_of(const jpass *p, int64_t local_id)
{
	for (size_t i = 0; i < p->known.n; i++)
		if (p->known.items[i].id == local_id)
			return p->known.items[i].jira_sprint_id;
	return 0;
}

static bool stored_in_search(const jpass *p, const store_card *c)
{
	return c->sprint_id && in_search(p, jira_id_of(p, c->sprint_id));
}

/* A quoted JQL string: keys come from Jira, but quote them all the same. */
static pdt_err append_quoted(buf *b, const char *s)
{
	pdt_err rc = buf_appendc(b, '"');
	for (; !rc && *s; s++)
		rc = (*s == '"' || *s == '\\') ? buf_appendc(b, '\\') || buf_appendc(b, *s)
					       : buf_appendc(b, *s);
	return rc ? rc : buf_appendc(b, '"');
}

/*
 * updated >= "<window>" AND (sprint in (<open synced sprints>) OR key in
 * (<stored cards of those sprints>)): the issues changed in them, and the
 * ones that left them (moving an issue out of a sprint changes `updated`).
 * Returns false when there is nothing to ask.
 */
static bool build_search(const jpass *p, const struct store_card_list *cl, buf *jql)
{
	time_t t = (time_t)(p->last_success - JIRA_OVERLAP_S);
	struct tm tm;
	size_t nsprints = 0, nkeys = 0;
	gmtime_r(&t, &tm);
	pdt_err rc = buf_appendf(jql, "updated >= \"%04d/%02d/%02d %02d:%02d\" AND (sprint in (",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
	for (size_t i = 0; !rc && i < p->sprints.n; i++) {
		int64_t id = p->sprints.v[i].in.jira_sprint_id;
		if (in_search(p, id))
			rc = buf_appendf(jql, "%s%lld", nsprints++ ? "," : "", (long long)id);
	}
	if (!rc)
		rc = buf_appends(jql, ")");
	for (size_t i = 0; !rc && i < cl->n; i++) {
		if (!stored_in_search(p, &cl->items[i]))
			continue;
		rc = buf_appends(jql, nkeys++ ? "," : " OR key in (");
		if (!rc)
			rc = append_quoted(jql, cl->items[i].key);
	}
	if (!rc)
		rc = buf_appends(jql, nkeys ? "))" : ")");
	return !rc && nsprints > 0;
}

/* Search refused (400: e.g. a stored key whose issue was deleted): the open
 * sprints are listed whole instead, and a stored card none of them lists
 * any more has left its sprint. */
static void search_fallback(jpass *p, const struct store_card_list *cl)
{
	bool all = true;
	for (size_t i = 0; i < p->sprints.n && !out_of_time(p); i++) {
		int64_t id = p->sprints.v[i].in.jira_sprint_id;
		if (in_search(p, id))
			all = list_issues(p, id) && all;
	}
	if (!all || out_of_time(p))
		return;
	jiradetail_set_sprint(&p->cards, 0);
	for (size_t i = 0; i < cl->n; i++)
		if (stored_in_search(p, &cl->items[i]))
			jiradetail_detach(&p->cards, &cl->items[i]);
}

static void search_changed(jpass *p)
{
	struct store_card_list cl = {0};
	buf jql = BUF_INIT(JIRA_JQL_MAX);
	provider_result res = {0};
	if (store_card_list(p->ctx->st, p->user_id, p->workspace_id, 0, &cl)) {
		snprintf(p->error, sizeof p->error, "database error");
		goto cleanup;
	}
	if (!build_search(p, &cl, &jql))
		goto cleanup;
	jiradetail_set_sprint(&p->cards, 0);
	pdt_err rc = jira_search(p->ctx->client, &p->ref, buf_str(&jql), jiradetail_on_issue,
				 &p->cards, &res);
	if (rc == PDT_OK)
		rc = jiradetail_fetch_truncated(&p->cards, p->ctx->client, &p->ref, &res);
	if (rc) {
		jiradetail_discard_pending(&p->cards);
		if (rc == PDT_EUPSTREAM && res.status == 400)
			search_fallback(p, &cl);
		else
			fail(p, "issue search", rc, &res);
	}
cleanup:
	buf_release(&jql);
	store_card_list_release(&cl);
}

/* Later passes: open sprints only (see jira.h). */
static void warm_issues(jpass *p)
{
	list_new_open(p);
	reread_left_sprints(p);
	if (!out_of_time(p))
		search_changed(p);
}

/* false when the workspace was deleted or moved to another site while the
 * pass ran (its data belongs to a site the user no longer syncs) */
static bool same_site(jpass *p)
{
	store_jira_workspace w = {0};
	bool same = false;
	if (store_jira_workspace_get(p->ctx->st, p->user_id, p->workspace_id, &w) == PDT_OK) {
		char *base = jira_base_url(w.workspace);
		same = base && strcasecmp(base, p->site) == 0;
		free(base);
	}
	store_jira_workspace_release(&w);
	return same;
}

static pdt_err store_pass(jpass *p, sync_report *rep)
{
	pdt_err rc = PDT_OK;
	if (!same_site(p)) {
		snprintf(p->error, sizeof p->error,
			 "jira workspace changed during the pass; nothing stored");
		return PDT_OK;
	}
	for (size_t i = 0; !rc && i < p->gone.n; i++)
		rc = store_sprint_delete(p->ctx->st, p->user_id, p->workspace_id, p->gone.v[i]);
	store_sprint_in *sp = xcalloc(p->sprints.n ? p->sprints.n : 1, sizeof *sp);
	for (size_t i = 0; i < p->sprints.n; i++)
		sp[i] = p->sprints.v[i].in;
	store_jira_update u = {.user_id = p->user_id, .workspace_id = p->workspace_id,
			       .sprints = sp, .nsprints = p->sprints.n,
			       .cards = p->cards.cards, .ncards = p->cards.n,
			       .issues_synced = p->synced.v, .nissues_synced = p->synced.n};
	if (!rc)
		rc = store_jira_apply(p->ctx->st, &u, p->now);
	free(sp);
	if (!rc) {
		rep->sprints = (int64_t)p->sprints.n;
		rep->cards = (int64_t)jiradetail_count_distinct(&p->cards);
	}
	return rc;
}

static void jpass_release(jpass *p)
{
	free(p->gone.v);
	store_sprint_list_release(&p->known);
	for (size_t i = 0; i < p->sprints.n; i++) {
		free(p->sprints.v[i].name);
		free(p->sprints.v[i].state);
	}
	free(p->sprints.v);
	free(p->boards.v);
	free(p->synced.v);
	jiradetail_set_release(&p->cards);
}

/* One workspace of the user: its pass, stored in one transaction; the
 * workspace's own report (error "" when it fully synced) in *out. */
static pdt_err workspace_pass(sync_ctx *ctx, const store_user *u, const char *token,
			      const store_jira_workspace *ws, int64_t deadline_ms, sync_ws_report *out)
{
	char key[SYNC_KEY_LEN];
	char *base = jira_base_url(ws->workspace);
	jpass p = {.ctx = ctx, .user_id = u->id, .workspace_id = ws->id, .now = timeutil_now(),
		   .deadline_ms = deadline_ms, .policy = targets_policy(ctx->cfg),
		   .last_success = ws->last_success, .site = base};
	pdt_err rc = PDT_OK;
	out->workspace_id = ws->id;
	jiradetail_set_init(&p.cards, ws->project_keys);
	if (!base) {
		snprintf(p.error, sizeof p.error, "jira_workspace is not a usable host or URL");
		goto cleanup;
	}
	sync_ratelimit_key("jira", token, key);
	p.ref = (jira_ref){.base = base, .email = u->jira_email, .token = token,
			   .ratelimit_key = key, .deadline_ms = deadline_ms, .policy = &p.policy};
	if (store_sprint_list(ctx->st, u->id, ws->id, &p.known)) {
		snprintf(p.error, sizeof p.error, "database error");
		goto cleanup;
	}
	p.warm = p.last_success != 0;
	if (list_boards_and_sprints(&p) == PDT_OK && !out_of_time(&p)) {
		if (p.warm)
			warm_issues(&p);
		else
			cold_issues(&p);
	}
	if (upstream_client_cancelled(ctx->client)) {
		snprintf(p.error, sizeof p.error, "cancelled");
		rc = PDT_ECANCELLED;
		goto cleanup;
	}
	sync_report tmp = {0};
	if (store_pass(&p, &tmp))
		snprintf(p.error, sizeof p.error, "database error while storing Jira data");
	else if (!p.error[0])
		store_jira_workspace_set_last_success(ctx->st, u->id, ws->id, p.now);
	out->sprints = tmp.sprints;
	out->cards = tmp.cards;
cleanup:
	out->error = xstrdup(p.error);
	jpass_release(&p);
	free(base);
	return rc;
}

/* The pass's error: one workspace's as it is; with several, each failing
 * one's named ("workspace <id> (<name>): ..."), joined by "; ". */
static char *pass_error(const sync_report *rep, const struct store_jira_workspace_list *wl)
{
	buf b = BUF_INIT(STORE_ERROR_MAX);
	for (size_t i = 0; i < rep->nws; i++) {
		const sync_ws_report *w = &rep->ws[i];
		if (!w->error[0])
			continue;
		if (rep->nws == 1) {
			buf_appends(&b, w->error);
			break;
		}
		const char *name = "";
		for (size_t k = 0; k < wl->n; k++)
			if (wl->items[k].id == w->workspace_id)
				name = wl->items[k].name;
		if (buf_appendf(&b, "%sworkspace %lld (%.80s): %s", b.len ? "; " : "",
				(long long)w->workspace_id, name, w->error))
			break;
	}
	return b.data ? buf_detach(&b) : xstrdup("");
}

/* Every active workspace of the user (or only workspace_id when > 0, active
 * or not), one after another; one's failure does not stop the others. */
static pdt_err run_pass(sync_ctx *ctx, int64_t user_id, int64_t workspace_id,
			int64_t deadline_ms, sync_report *rep)
{
	store_user u = {0};
	struct store_jira_workspace_list wl = {0};
	char *token = NULL;
	const char *early = NULL;
	pdt_err rc = store_user_by_id(ctx->st, user_id, &u);
	if (rc)
		goto cleanup;
	if (!sync_jira_configured(&u)) {
		rc = PDT_EINVAL;
		early = "jira not configured";
		goto cleanup;
	}
	if (secretbox_open(ctx->cfg->encryption_key, u.jira_token_enc, &token)) {
		early = "stored token cannot be decrypted (was ENCRYPTION_KEY changed?)";
		goto cleanup;
	}
	if ((rc = store_jira_workspace_list(ctx->st, user_id, &wl))) {
		early = "database error";
		goto cleanup;
	}
	rep->ws = xcalloc(wl.n ? wl.n : 1, sizeof *rep->ws);
	for (size_t i = 0; i < wl.n && rc == PDT_OK; i++) {
		const store_jira_workspace *w = &wl.items[i];
		if (workspace_id ? w->id != workspace_id : !w->is_active)
			continue;
		sync_ws_report *o = &rep->ws[rep->nws++];
		rc = workspace_pass(ctx, &u, token, w, deadline_ms, o);
		rep->sprints += o->sprints;
		rep->cards += o->cards;
	}
	if (rc == PDT_ECANCELLED) {
		rc = PDT_OK; /* as before: reported as the error "cancelled" */
		early = "cancelled";
	} else if (workspace_id && rep->nws == 0) {
		rc = PDT_ENOTFOUND;
		early = "workspace not found";
	}
cleanup:
	rep->error = early ? xstrdup(early) : pass_error(rep, &wl);
	mem_free_secret(token);
	store_jira_workspace_list_release(&wl);
	store_user_release(&u);
	return rc;
}

static pdt_err locked_pass(sync_ctx *ctx, int64_t user_id, int64_t workspace_id,
			   int64_t deadline_ms, sync_report **out)
{
	int64_t t0 = timeutil_mono_ms();
	sync_report *rep = sync_report_new(0);
	store_sync_status_begin(ctx->st, user_id, SOURCE);
	rep->rc = run_pass(ctx, user_id, workspace_id, deadline_ms, rep);
	if (upstream_client_cancelled(ctx->client))
		store_sync_status_abort(ctx->st, user_id, SOURCE);
	else
		store_sync_status_finish(ctx->st, user_id, SOURCE, timeutil_now(),
					 rep->error[0] ? rep->error : NULL);
	metrics_inc("pdt_sync_runs_total", "source", SOURCE, NULL, NULL);
	if (rep->error[0])
		metrics_inc("pdt_sync_failures_total", "source", SOURCE, NULL, NULL);
	log_info("sync source=jira user_id=%lld sprints=%lld cards=%lld error=\"%s\" dur_ms=%lld",
		 (long long)user_id, (long long)rep->sprints, (long long)rep->cards, rep->error,
		 (long long)(timeutil_mono_ms() - t0));
	userlock_leave(ctx->locks, user_id, SOURCE, rep);
	*out = rep;
	return rep->rc;
}

/* The manual pass under the user's lock, across replicas (sync/lease.h):
 * when another replica's pass held the lease, what it recorded (its error;
 * sprints and cards 0: those counts stayed in that replica). */
static pdt_err leased_pass(sync_ctx *ctx, int64_t user_id, int64_t workspace_id,
			   int64_t deadline_ms, sync_report **out)
{
	lease_outcome o = lease_enter_manual(ctx->leases, user_id, SOURCE, deadline_ms,
					     ctx->client);
	if (o == LEASE_RUN) {
		pdt_err rc = locked_pass(ctx, user_id, workspace_id, deadline_ms, out);
		lease_release(ctx->leases, user_id, SOURCE, 0, ctx->client);
		return rc;
	}
	pdt_err rc = upstream_client_cancelled(ctx->client) ? PDT_ECANCELLED : PDT_ETIMEOUT;
	store_sync_status st;
	if (o == LEASE_JOINED && (rc = store_sync_status_get(ctx->st, user_id, SOURCE, &st)) == 0) {
		sync_report *rep = sync_report_new(0);
		rep->error = xstrdup(st.last_error ? st.last_error : "");
		rep->joined = true;
		store_sync_status_release(&st);
		*out = rep;
	}
	userlock_leave(ctx->locks, user_id, SOURCE, *out);
	return rc;
}

pdt_err sync_jira_user_bounded(sync_ctx *ctx, int64_t user_id, int64_t max_ms,
				sync_report **out)
{
	return sync_jira_workspace_bounded(ctx, user_id, 0, max_ms, out);
}

pdt_err sync_jira_workspace_bounded(sync_ctx *ctx, int64_t user_id, int64_t workspace_id,
				    int64_t max_ms, sync_report **out)
{
	sync_report *joined = NULL;
	*out = NULL;
	if (userlock_enter(ctx->locks, user_id, SOURCE, &joined) == USERLOCK_JOINED) {
		*out = joined;
		return joined ? joined->rc : PDT_ESTORE;
	}
	int64_t deadline = max_ms > 0 ? timeutil_mono_ms() + max_ms : 0;
	if (ctx->leases)
		return leased_pass(ctx, user_id, workspace_id, deadline, out);
	return locked_pass(ctx, user_id, workspace_id, deadline, out);
}

pdt_err sync_jira_user(sync_ctx *ctx, int64_t user_id, sync_report **out)
{
	return sync_jira_user_bounded(ctx, user_id, 0, out);
}

pdt_err sync_jira_user_try(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			   sync_report **out)
{
	*out = NULL;
	if (!userlock_try_enter(ctx->locks, user_id, SOURCE))
		return PDT_ECONFLICT;
	return locked_pass(ctx, user_id, 0, deadline_ms, out);
}
