#include "sync/jira.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/secretbox.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "sync/jiradetail.h"
#include "upstream/jira.h"
#include "core/banned.h"

#define SOURCE "jira"

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
	int64_t now;
	int64_t last_success;
	const char *project_keys;
	VEC(int64_t) boards;
	VEC(owned_sprint) sprints;
	jiradetail_set cards;
	VEC(int64_t) synced;
	int64_t cur_board;
	int64_t deadline_ms; /* monotonic; 0 = none */
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

static int on_sprint(const jira_sprint *s, void *ctx)
{
	jpass *p = ctx;
	for (size_t i = 0; i < p->sprints.n; i++)
		if (p->sprints.v[i].in.jira_sprint_id == s->id)
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
	for (size_t i = 0; i < p->boards.n && !out_of_time(p); i++) {
		memset(&res, 0, sizeof res);
		p->cur_board = p->boards.v[i];
		rc = jira_sprints(p->ctx->client, &p->ref, p->boards.v[i], on_sprint, p, &res);
		if (rc == PDT_ECANCELLED)
			return rc;
		if (rc && res.status == 400)
			continue; /* a kanban board: no sprints */
		if (rc) {
			char what[64];
			snprintf(what, sizeof what, "sprints of board %lld", (long long)p->boards.v[i]);
			fail(p, what, rc, &res);
		}
	}
	return PDT_OK;
}

/* issues_synced_at of the stored sprint with this Jira id, 0 when none. */
static int64_t synced_at(const struct store_sprint_list *known, int64_t jira_id)
{
	for (size_t i = 0; i < known->n; i++)
		if (known->items[i].jira_sprint_id == jira_id)
			return known->items[i].issues_synced_at;
	return 0;
}

/* 0: skip; 1: closed; 2: future; 3: active — listed from 3 down. */
static int wanted(const jpass *p, const owned_sprint *s, const struct store_sprint_list *known)
{
	if (strcmp(s->state, "active") == 0)
		return 3;
	if (strcmp(s->state, "future") == 0)
		return 2;
	int64_t ended = s->in.complete_date ? s->in.complete_date : s->in.end_date;
	int64_t horizon = p->now - (int64_t)p->ctx->cfg->sync_lookback_days * 86400;
	if (ended >= horizon && !synced_at(known, s->in.jira_sprint_id))
		return 1;
	return 0;
}

/* `updated >= "yyyy/MM/dd HH:mm"` for a sprint listed before, else NULL. */
static void build_jql(const jpass *p, int64_t sprint_synced, char *out, size_t n)
{
	out[0] = '\0';
	if (!p->last_success || !sprint_synced)
		return;
	time_t t = (time_t)(p->last_success - JIRA_OVERLAP_S);
	struct tm tm;
	gmtime_r(&t, &tm);
	snprintf(out, n, "updated >= \"%04d/%02d/%02d %02d:%02d\"", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

static void list_issues(jpass *p, const owned_sprint *s, const struct store_sprint_list *known)
{
	char jql[96];
	provider_result res = {0};
	build_jql(p, synced_at(known, s->in.jira_sprint_id), jql, sizeof jql);
	jiradetail_set_sprint(&p->cards, s->in.jira_sprint_id);
	pdt_err rc = jira_sprint_issues(p->ctx->client, &p->ref, s->in.jira_sprint_id,
					jql[0] ? jql : NULL, jiradetail_on_issue, &p->cards, &res);
	if (rc == PDT_OK)
		rc = jiradetail_fetch_truncated(&p->cards, p->ctx->client, &p->ref, &res);
	if (rc) {
		char what[64];
		snprintf(what, sizeof what, "issues of sprint %lld", (long long)s->in.jira_sprint_id);
		fail(p, what, rc, &res);
		return;
	}
	*VEC_PUSH(p->synced) = s->in.jira_sprint_id;
}

static void list_all_issues(jpass *p)
{
	struct store_sprint_list known = {0};
	if (store_sprint_list(p->ctx->st, p->user_id, &known)) {
		snprintf(p->error, sizeof p->error, "database error");
		return;
	}
	/* Active first, then future, then recently closed: what matters most
	 * arrives first when a time limit cuts the pass short, and a carried-over
	 * card keeps its newest sprint. */
	for (int order = 3; order >= 1; order--)
		for (size_t i = 0; i < p->sprints.n; i++)
			if (wanted(p, &p->sprints.v[i], &known) == order && !out_of_time(p))
				list_issues(p, &p->sprints.v[i], &known);
	store_sprint_list_release(&known);
}

static pdt_err store_pass(jpass *p, sync_report *rep)
{
	store_sprint_in *sp = xcalloc(p->sprints.n ? p->sprints.n : 1, sizeof *sp);
	for (size_t i = 0; i < p->sprints.n; i++)
		sp[i] = p->sprints.v[i].in;
	store_jira_update u = {.user_id = p->user_id, .sprints = sp, .nsprints = p->sprints.n,
			       .cards = p->cards.cards, .ncards = p->cards.n,
			       .issues_synced = p->synced.v, .nissues_synced = p->synced.n};
	pdt_err rc = store_jira_apply(p->ctx->st, &u, p->now);
	free(sp);
	if (!rc) {
		rep->sprints = (int64_t)p->sprints.n;
		rep->cards = (int64_t)p->cards.n;
	}
	return rc;
}

static void jpass_release(jpass *p)
{
	for (size_t i = 0; i < p->sprints.n; i++) {
		free(p->sprints.v[i].name);
		free(p->sprints.v[i].state);
	}
	free(p->sprints.v);
	free(p->boards.v);
	free(p->synced.v);
	jiradetail_set_release(&p->cards);
}

/* Decrypts the token and fills p->ref; false with rep->error on failure. */
static bool open_ref(jpass *p, const store_user *u, char **token, char **base,
		     char key[SYNC_KEY_LEN])
{
	*base = jira_base_url(u->jira_workspace);
	if (!*base) {
		snprintf(p->error, sizeof p->error, "jira_workspace is not a usable host or URL");
		return false;
	}
	if (secretbox_open(p->ctx->cfg->encryption_key, u->jira_token_enc, token)) {
		snprintf(p->error, sizeof p->error,
			 "stored token cannot be decrypted (was ENCRYPTION_KEY changed?)");
		return false;
	}
	sync_ratelimit_key("jira", *token, key);
	p->ref = (jira_ref){.base = *base, .email = u->jira_email, .token = *token,
			    .ratelimit_key = key, .deadline_ms = p->deadline_ms};
	return true;
}

static pdt_err run_pass(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms, sync_report *rep)
{
	store_user u = {0};
	char *token = NULL, *base = NULL, key[SYNC_KEY_LEN];
	jpass p = {.ctx = ctx, .user_id = user_id, .now = timeutil_now(),
		   .deadline_ms = deadline_ms};
	pdt_err rc = store_user_by_id(ctx->st, user_id, &u);
	if (rc)
		goto cleanup;
	if (!sync_jira_configured(&u)) {
		rc = PDT_EINVAL;
		snprintf(p.error, sizeof p.error, "jira not configured");
		goto cleanup;
	}
	jiradetail_set_init(&p.cards, u.jira_project_keys);
	if (!open_ref(&p, &u, &token, &base, key) ||
	    store_sync_last_success(ctx->st, user_id, SOURCE, &p.last_success))
		goto cleanup;
	if (list_boards_and_sprints(&p) == PDT_OK && !out_of_time(&p))
		list_all_issues(&p);
	if (upstream_client_cancelled(ctx->client)) {
		snprintf(p.error, sizeof p.error, "cancelled");
		goto cleanup;
	}
	if (store_pass(&p, rep))
		snprintf(p.error, sizeof p.error, "database error while storing Jira data");
	else if (!p.error[0])
		store_sync_set_last_success(ctx->st, user_id, SOURCE, p.now);
cleanup:
	rep->error = xstrdup(p.error);
	jpass_release(&p);
	mem_free_secret(token);
	free(base);
	store_user_release(&u);
	return rc;
}

static pdt_err locked_pass(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			   sync_report **out)
{
	int64_t t0 = timeutil_mono_ms();
	sync_report *rep = sync_report_new(0);
	store_sync_status_begin(ctx->st, user_id, SOURCE);
	rep->rc = run_pass(ctx, user_id, deadline_ms, rep);
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

pdt_err sync_jira_user_bounded(sync_ctx *ctx, int64_t user_id, int64_t max_ms,
				sync_report **out)
{
	sync_report *joined = NULL;
	*out = NULL;
	if (userlock_enter(ctx->locks, user_id, SOURCE, &joined) == USERLOCK_JOINED) {
		*out = joined;
		return joined ? joined->rc : PDT_ESTORE;
	}
	return locked_pass(ctx, user_id, max_ms > 0 ? timeutil_mono_ms() + max_ms : 0, out);
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
	return locked_pass(ctx, user_id, deadline_ms, out);
}
