#include "sync/commits.h"

#include <openssl/sha.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/secretbox.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/mem.h"
#include "core/repourl.h"
#include "core/timeutil.h"
#include "sync/collect.h"
#include "upstream/provider.h"
#include "upstream/targets.h"
#include "core/banned.h"

#define SOURCE "commits"

/* The user's decrypted tokens for one pass (wiped at the end). */
typedef struct tokens {
	char *github;
	char *gitlab;
	char github_key[SYNC_KEY_LEN]; /* rate-limit identity: provider + hash of the token */
	char gitlab_key[SYNC_KEY_LEN];
	const char *github_err; /* why github is NULL */
	const char *gitlab_err;
} tokens;

void sync_ratelimit_key(const char *provider, const char *token, char out[SYNC_KEY_LEN])
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	SHA256((const unsigned char *)token, strlen(token), md);
	snprintf(out, SYNC_KEY_LEN, "%s:%02x%02x%02x%02x%02x%02x%02x%02x", provider, md[0], md[1],
		 md[2], md[3], md[4], md[5], md[6], md[7]);
}

static void open_token(const config *cfg, const char *enc, const char *provider, char **plain,
		       char key[SYNC_KEY_LEN], const char **why)
{
	*plain = NULL;
	if (!enc) {
		*why = strcmp(provider, "github") == 0 ? "github token not configured"
						       : "gitlab token not configured";
		return;
	}
	if (secretbox_open(cfg->encryption_key, enc, plain)) {
		*why = "stored token cannot be decrypted (was ENCRYPTION_KEY changed?)";
		return;
	}
	sync_ratelimit_key(provider, *plain, key);
}

static void tokens_release(tokens *t)
{
	mem_free_secret(t->github);
	mem_free_secret(t->gitlab);
	memset(t, 0, sizeof *t);
}

/* Everything one repository's sync needs; filled by the pass, read by workers. */
typedef struct pass {
	sync_ctx *ctx;
	const tokens *tok;
	const store_repo *repos;
	sync_report *report;
	atomic_size_t next;
	int64_t user_id;
	int64_t now;
	int64_t deadline_ms; /* monotonic; 0 = none */
	const char *gitlab_url; /* the user's (borrowed); GitLab calls go there */
	netpolicy policy;       /* UPSTREAM_*: applied to GitLab, not to GITHUB_API_URL */
} pass;

static void set_error(sync_repo_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(sync_repo_report *rep, const char *fmt, ...)
{
	char msg[320];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	free(rep->error);
	rep->error = xstrdup(msg);
}

static bool permanent(pdt_err rc, long status)
{
	return rc == PDT_EUPSTREAM && (status == 401 || status == 403 || status == 404);
}

/* A failed listing: the error, validity when permanent, the attempt time. */
static void record_failure(pass *p, const store_repo *r, sync_repo_report *rep, pdt_err rc,
			   const provider_result *res)
{
	bool perm = permanent(rc, res->status);
	const char *why = res->err[0] ? res->err : pdt_strerror(rc);
	if (res->status)
		set_error(rep, "%s (HTTP %ld)", why, res->status);
	else
		set_error(rep, "%s", why);
	rep->invalidated = perm;
	if (rc == PDT_ECANCELLED)
		return; /* shutting down: leave the repository as it was */
	store_repo_sync_update u = {.user_id = p->user_id, .repo_id = r->id,
				    .is_valid = perm ? 0 : -1};
	store_repo_sync_apply(p->ctx->st, &u, p->now, NULL);
}

/* Fills ref for r; false with rep->error set when it cannot be synced. */
static bool make_ref(pass *p, const store_repo *r, repourl *ru, provider_ref *ref,
		     sync_repo_report *rep)
{
	bool gh = strcmp(r->provider, "github") == 0;
	const char *token = gh ? p->tok->github : p->tok->gitlab;
	if (!token) {
		set_error(rep, "%s", gh ? p->tok->github_err : p->tok->gitlab_err);
		return false;
	}
	if (!gh && repourl_parse(r->url, ru)) {
		set_error(rep, "stored repository URL does not parse");
		return false;
	}
	char why[512];
	if (!gh && !targets_gitlab_host_ok(p->gitlab_url, ru->url, why, sizeof why)) {
		/* added before gitlab_url changed: the token goes to neither host */
		set_error(rep, "%s", why);
		return false;
	}
	ref->provider = r->provider;
	ref->base = gh ? p->ctx->cfg->github_api_url : targets_gitlab_base(p->gitlab_url);
	ref->policy = gh ? NULL : &p->policy;
	ref->owner = r->owner;
	ref->name = r->name;
	ref->token = token;
	ref->ratelimit_key = gh ? p->tok->github_key : p->tok->gitlab_key;
	ref->deadline_ms = p->deadline_ms;
	return true;
}

/* Commits with an older committer date are not synced (SYNC_LOOKBACK_DAYS). */
static int64_t lookback_start(const pass *p)
{
	return p->now - (int64_t)p->ctx->cfg->sync_lookback_days * 86400;
}

/* Default branch and (GitLab) project id, fetched only when they are needed. */
static pdt_err need_info(pass *p, const store_repo *r, collect *col,
			 const store_repo_sync_state *st, provider_ref *ref,
			 provider_repo_info *info, sync_repo_report *rep)
{
	provider_result res = {0};
	bool gl = strcmp(r->provider, "gitlab") == 0;
	if (!col->nchanged || (!collect_needs_default(col) && !(gl && !st->project_id)))
		return PDT_OK;
	pdt_err rc = provider_repo_info_get(p->ctx->client, ref, info, &res);
	if (rc)
		record_failure(p, r, rep, rc, &res);
	else if (info->project_id)
		ref->project_id = info->project_id;
	return rc;
}

static void sync_repo(pass *p, const store_repo *r, sync_repo_report *rep)
{
	store_repo_sync_state st = {0};
	provider_branch_list bl = {0};
	provider_repo_info info = {0};
	provider_result res = {0};
	repourl ru = {0};
	provider_ref ref = {0};
	collect col;
	collect_init(&col);
	if (!make_ref(p, r, &ru, &ref, rep))
		goto cleanup;
	pdt_err rc = store_repo_sync_state_get(p->ctx->st, p->user_id, r->id, &st);
	if (rc) {
		set_error(rep, "%s", rc == PDT_ENOTFOUND ? "repository removed" : "database error");
		goto cleanup;
	}
	ref.project_id = st.project_id;
	rc = provider_branches(p->ctx->client, &ref, st.branches_etag, &bl, &res);
	if (rc) {
		record_failure(p, r, rep, rc, &res);
		goto cleanup;
	}
	if (bl.not_modified) {
		store_repo_sync_update u = {.user_id = p->user_id, .repo_id = r->id,
					    .is_valid = 1, .success = true};
		if (store_repo_sync_apply(p->ctx->st, &u, p->now, NULL))
			set_error(rep, "database error");
		goto cleanup;
	}
	collect_plan(&col, &st, &bl);
	if (need_info(p, r, &col, &st, &ref, &info, rep))
		goto cleanup;
	const char *def = info.default_branch ? info.default_branch : st.default_branch;
	collect_order(&col, def);
	if (collect_fetch(&col, p->ctx->client, &ref, def, lookback_start(p),
			  (size_t)p->ctx->cfg->sync_concurrency) == PDT_ECANCELLED) {
		set_error(rep, "cancelled");
		goto cleanup;
	}
	collect_finish(&col, p->ctx->st, p->user_id, r->id, &info, p->now, rep);
cleanup:
	collect_release(&col);
	repourl_release(&ru);
	provider_branch_list_release(&bl);
	provider_repo_info_release(&info);
	store_repo_sync_state_release(&st);
	if (!rep->error)
		rep->error = xstrdup("");
}

static void *repo_worker(void *arg)
{
	pass *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->report->n)
			break;
		if (p->deadline_ms && timeutil_mono_ms() >= p->deadline_ms) {
			/* not reached: its stored state stays for the next pass */
			set_error(&p->report->repos[i], "%s", UPSTREAM_DEADLINE_MSG);
			continue;
		}
		sync_repo(p, &p->repos[i], &p->report->repos[i]);
	}
	return NULL;
}

/* Runs sync_repo over every repository with a bounded pool of threads. */
static void run_repos(pass *p)
{
	size_t n = p->report->n;
	size_t nthreads = (size_t)p->ctx->cfg->sync_concurrency;
	if (nthreads > n)
		nthreads = n;
	pthread_t *t = xcalloc(nthreads ? nthreads : 1, sizeof *t);
	size_t started = 0;
	for (; started < nthreads; started++)
		if (pthread_create(&t[started], NULL, repo_worker, p) != 0)
			break;
	if (started == 0)
		repo_worker(p); /* no thread could start: do it here */
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
}

static void fill_names(sync_report *rep, const struct store_repo_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		char name[1024];
		snprintf(name, sizeof name, "%s/%s", l->items[i].owner, l->items[i].name);
		rep->repos[i].repo_id = l->items[i].id;
		rep->repos[i].repo_name = xstrdup(name);
		rep->repos[i].provider = xstrdup(l->items[i].provider);
	}
}

pdt_err sync_commits_run(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			 sync_report **out)
{
	store_user u = {0};
	struct store_repo_list l = {0};
	tokens tok = {0};
	*out = NULL;
	pdt_err rc = store_user_by_id(ctx->st, user_id, &u);
	if (!rc)
		rc = store_repo_list(ctx->st, user_id, &l);
	if (rc)
		goto cleanup;
	open_token(ctx->cfg, u.github_token_enc, "github", &tok.github, tok.github_key,
		   &tok.github_err);
	open_token(ctx->cfg, u.gitlab_token_enc, "gitlab", &tok.gitlab, tok.gitlab_key,
		   &tok.gitlab_err);
	pass p = {.ctx = ctx, .tok = &tok, .repos = l.items, .user_id = user_id,
		  .now = timeutil_now(), .report = sync_report_new(l.n),
		  .deadline_ms = deadline_ms, .gitlab_url = u.gitlab_url,
		  .policy = targets_policy(ctx->cfg)};
	atomic_init(&p.next, 0);
	fill_names(p.report, &l);
	run_repos(&p);
	if (upstream_client_cancelled(ctx->client))
		p.report->rc = PDT_ECANCELLED;
	*out = p.report;
cleanup:
	tokens_release(&tok);
	store_repo_list_release(&l);
	store_user_release(&u);
	return rc;
}

/* "repo a/b: message; repo c/d: message" (capped), or NULL when all synced. */
static char *summarise_errors(const sync_report *r)
{
	char msg[1024] = "";
	size_t len = 0;
	for (size_t i = 0; i < r->n && len < sizeof msg - 1; i++) {
		const sync_repo_report *x = &r->repos[i];
		if (!x->error || !x->error[0])
			continue;
		int w = snprintf(msg + len, sizeof msg - len, "%s%s: %s", len ? "; " : "",
				 x->repo_name, x->error);
		len += w > 0 ? (size_t)w : 0;
	}
	if (r->rc == PDT_ECANCELLED && len == 0)
		snprintf(msg, sizeof msg, "cancelled");
	return msg[0] ? xstrdup(msg) : NULL;
}

static void log_pass(int64_t user_id, const sync_report *r, int64_t ms)
{
	int64_t fetched = 0, added = 0;
	for (size_t i = 0; i < r->n; i++) {
		fetched += r->repos[i].total_fetched;
		added += r->repos[i].new_commits;
	}
	log_info("sync source=commits user_id=%lld repos=%zu fetched=%lld new=%lld errors=%zu "
		 "dur_ms=%lld", (long long)user_id, r->n, (long long)fetched, (long long)added,
		 sync_report_failures(r), (long long)ms);
}

/* The pass under the user's lock, with status bookkeeping. */
static pdt_err locked_pass(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			   sync_report **out)
{
	int64_t t0 = timeutil_mono_ms();
	store_sync_status_begin(ctx->st, user_id, SOURCE);
	pdt_err rc = sync_commits_run(ctx, user_id, deadline_ms, out);
	char *err = rc ? xstrdup(pdt_strerror(rc)) : summarise_errors(*out);
	metrics_inc("pdt_sync_runs_total", "source", SOURCE, NULL, NULL);
	if (err)
		metrics_inc("pdt_sync_failures_total", "source", SOURCE, NULL, NULL);
	if (upstream_client_cancelled(ctx->client))
		store_sync_status_abort(ctx->st, user_id, SOURCE);
	else
		store_sync_status_finish(ctx->st, user_id, SOURCE, timeutil_now(), err);
	if (*out)
		log_pass(user_id, *out, timeutil_mono_ms() - t0);
	free(err);
	userlock_leave(ctx->locks, user_id, SOURCE, *out);
	return rc;
}

/* The error recorded for repository name in a summary of
 * summarise_errors() ("o/r: error; o/r2: error"), or "". */
static char *recorded_error(const char *summary, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = summary; p && *p;) {
		if (strncmp(p, name, nl) == 0 && strncmp(p + nl, ": ", 2) == 0) {
			const char *e = p + nl + 2, *end = strstr(e, "; ");
			return end ? xstrndup(e, (size_t)(end - e)) : xstrdup(e);
		}
		p = strstr(p, "; ");
		p = p ? p + 2 : NULL;
	}
	return xstrdup("");
}

/* What another replica's pass recorded, as a report (see sync_commits_user). */
static pdt_err status_report(sync_ctx *ctx, int64_t user_id, sync_report **out)
{
	struct store_repo_list l = {0};
	store_sync_status st;
	pdt_err rc = store_sync_status_get(ctx->st, user_id, SOURCE, &st);
	if (!rc)
		rc = store_repo_list(ctx->st, user_id, &l);
	if (rc) {
		store_sync_status_release(&st);
		return rc;
	}
	sync_report *r = sync_report_new(l.n);
	for (size_t i = 0; i < l.n; i++) {
		sync_repo_report *x = &r->repos[i];
		char name[512];
		snprintf(name, sizeof name, "%s/%s", l.items[i].owner, l.items[i].name);
		x->repo_id = l.items[i].id;
		x->repo_name = xstrdup(name);
		x->provider = xstrdup(l.items[i].provider);
		x->error = recorded_error(st.last_error, name);
	}
	store_repo_list_release(&l);
	store_sync_status_release(&st);
	*out = r;
	return PDT_OK;
}

/* The manual pass under the user's lock, across replicas (lease.h). */
static pdt_err leased_pass(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			   sync_report **out)
{
	lease_outcome o = lease_enter_manual(ctx->leases, user_id, SOURCE, deadline_ms,
					     ctx->client);
	pdt_err rc;
	if (o == LEASE_RUN) {
		rc = locked_pass(ctx, user_id, deadline_ms, out);
		lease_release(ctx->leases, user_id, SOURCE, 0, ctx->client);
		return rc;
	}
	rc = upstream_client_cancelled(ctx->client) ? PDT_ECANCELLED : PDT_ETIMEOUT;
	if (o == LEASE_JOINED && (rc = status_report(ctx, user_id, out)) == PDT_OK)
		(*out)->joined = true;
	userlock_leave(ctx->locks, user_id, SOURCE, *out);
	return rc;
}

pdt_err sync_commits_user(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			  sync_report **out)
{
	sync_report *joined = NULL;
	*out = NULL;
	if (userlock_enter(ctx->locks, user_id, SOURCE, &joined) == USERLOCK_JOINED) {
		*out = joined;
		return joined ? PDT_OK : PDT_ESTORE;
	}
	if (ctx->leases)
		return leased_pass(ctx, user_id, deadline_ms, out);
	return locked_pass(ctx, user_id, deadline_ms, out);
}

pdt_err sync_commits_user_try(sync_ctx *ctx, int64_t user_id, int64_t deadline_ms,
			      sync_report **out)
{
	*out = NULL;
	if (!userlock_try_enter(ctx->locks, user_id, SOURCE))
		return PDT_ECONFLICT;
	return locked_pass(ctx, user_id, deadline_ms, out);
}
