#include "sync/collect.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/jirakey.h"
#include "core/mem.h"
#include "core/banned.h"

void collect_init(collect *c)
{
	memset(c, 0, sizeof *c);
}

static void item_free(store_commit_in *in)
{
	free((char *)in->sha);
	free((char *)in->message);
	free((char *)in->author);
	free((char *)in->author_email);
	free((char *)in->jira_card_key);
}

void collect_release(collect *c)
{
	for (size_t i = 0; i < c->n; i++)
		item_free(&c->items[i]);
	free(c->items);
	free(c->slots);
	free(c->changed); /* names are borrowed from the branch list */
	free(c->failed);
	memset(c, 0, sizeof *c);
}

static const char *stored_head(const store_repo_sync_state *st, const char *name)
{
	for (size_t i = 0; i < st->nheads; i++)
		if (strcmp(st->heads[i].name, name) == 0)
			return st->heads[i].sha;
	return NULL;
}

void collect_plan(collect *c, const store_repo_sync_state *st, const provider_branch_list *bl)
{
	c->state = st;
	c->branches = bl;
	c->changed = xcalloc(bl->n ? bl->n : 1, sizeof *c->changed);
	for (size_t i = 0; i < bl->n; i++) {
		const char *old = stored_head(st, bl->items[i].name);
		if (!old || strcmp(old, bl->items[i].sha) != 0)
			c->changed[c->nchanged++] = bl->items[i].name;
	}
}

bool collect_needs_default(const collect *c)
{
	const char *d = c->state->default_branch;
	if (!d || !d[0])
		return true;
	for (size_t i = 0; i < c->branches->n; i++)
		if (strcmp(c->branches->items[i].name, d) == 0)
			return false;
	return true;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void collect_order(collect *c, const char *default_branch)
{
	qsort(c->changed, c->nchanged, sizeof *c->changed, by_name);
	for (size_t i = 0; default_branch && i < c->nchanged; i++) {
		if (strcmp(c->changed[i], default_branch) != 0)
			continue;
		char *d = c->changed[i];
		memmove(c->changed + 1, c->changed, i * sizeof *c->changed);
		c->changed[0] = d;
		break;
	}
}

/* FNV-1a over the SHA text: only spreads entries; equality is checked in full. */
static size_t hash_sha(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void rehash(collect *c)
{
	free(c->slots);
	c->nslots = c->nslots ? c->nslots * 2 : 256;
	c->slots = xcalloc(c->nslots, sizeof *c->slots);
	for (size_t i = 0; i < c->n; i++) {
		size_t j = hash_sha(c->items[i].sha) & (c->nslots - 1);
		while (c->slots[j])
			j = (j + 1) & (c->nslots - 1);
		c->slots[j] = i + 1;
	}
}

/* true (and its slot in *slot) when sha is already collected. */
static bool seen(const collect *c, const char *sha, size_t *slot)
{
	size_t j = hash_sha(sha) & (c->nslots - 1);
	while (c->slots[j]) {
		if (strcmp(c->items[c->slots[j] - 1].sha, sha) == 0)
			return true;
		j = (j + 1) & (c->nslots - 1);
	}
	*slot = j;
	return false;
}

/* Takes ownership of in's strings: kept when its SHA is new, freed otherwise. */
static void add_item(collect *c, store_commit_in *in)
{
	size_t slot = 0;
	if ((c->n + 1) * 2 > c->nslots)
		rehash(c);
	if (seen(c, in->sha, &slot)) {
		item_free(in);
		return;
	}
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->items = xrealloc(c->items, c->cap * sizeof *c->items);
	}
	c->items[c->n] = *in;
	c->slots[slot] = ++c->n;
}

/* One branch's listing, run on its own thread; merged into the collect afterwards. */
typedef struct branch_job {
	char *name;            /* borrowed from the branch list */
	const char *head;      /* its new head */
	const char *base;      /* compare base; NULL: list by date */
	bool own_base;         /* base is the branch's stored head: not an ancestor -> by date */
	int64_t since;         /* lookback start: older commits (committer date) are dropped */
	store_commit_in *items; /* owned */
	size_t n, cap;
	pdt_err rc;
	provider_result res;
} branch_job;

static int job_commit(const provider_commit *pc, void *ctx)
{
	branch_job *j = ctx;
	char key[JIRAKEY_MAX];
	if (!pc->sha || !pc->sha[0] || pc->committed < j->since)
		return 0;
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->items = xrealloc(j->items, j->cap * sizeof *j->items);
	}
	store_commit_in *in = &j->items[j->n++];
	memset(in, 0, sizeof *in);
	in->sha = xstrdup(pc->sha);
	in->message = xstrdup(pc->message ? pc->message : "");
	in->author = xstrdup(pc->author ? pc->author : "");
	in->author_email = xstrdup(pc->author_email ? pc->author_email : "");
	in->branch = j->name;
	in->date = pc->date;
	in->jira_card_key = jirakey_extract(in->message, key) ? xstrdup(key) : NULL;
	return 0;
}

/*
 * Compare when there is a base; by date over the lookback when there is none,
 * when the base is unknown upstream (404: gone after a force-push, or no common
 * ancestor) or when the branch's own old head is no longer an ancestor.
 */
static void run_job(branch_job *j, upstream_client *client, const provider_ref *ref)
{
	provider_compare_result cmp;
	if (j->base) {
		j->rc = provider_compare(client, ref, j->base, j->head, j->own_base, job_commit, j,
					 &cmp, &j->res);
		bool unknown = j->rc == PDT_EUPSTREAM && j->res.status == 404;
		bool forced = j->rc == PDT_OK && j->own_base &&
			      cmp.status == PROVIDER_COMPARE_DIVERGED;
		if (!unknown && !forced)
			return;
	}
	memset(&j->res, 0, sizeof j->res);
	j->rc = provider_commits(client, ref, j->name, j->since, job_commit, j, &j->res);
}

typedef struct job_pool {
	branch_job *jobs;
	size_t n;
	atomic_size_t next;
	upstream_client *client;
	const provider_ref *ref;
} job_pool;

static void *job_worker(void *arg)
{
	job_pool *p = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&p->next, 1);
		if (i >= p->n)
			break;
		run_job(&p->jobs[i], p->client, p->ref);
	}
	return NULL;
}

/* Runs every job, at most width at a time (the calling thread is one of them). */
static void run_jobs(job_pool *p, size_t width)
{
	size_t extra = width > p->n ? p->n : width;
	extra = extra ? extra - 1 : 0;
	pthread_t *t = xcalloc(extra ? extra : 1, sizeof *t);
	size_t started = 0;
	for (; started < extra; started++)
		if (pthread_create(&t[started], NULL, job_worker, p) != 0)
			break;
	job_worker(p);
	for (size_t i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	free(t);
}

/* What a changed branch is compared with: its stored head, else the default
 * branch's current head (a new branch); NULL = list it by date. */
static const char *job_base(const collect *c, const char *name, const char *default_branch,
			    bool *own)
{
	const char *old = stored_head(c->state, name);
	*own = old != NULL;
	if (old)
		return old;
	if (!default_branch || !*default_branch || strcmp(name, default_branch) == 0)
		return NULL;
	for (size_t i = 0; i < c->branches->n; i++)
		if (strcmp(c->branches->items[i].name, default_branch) == 0)
			return c->branches->items[i].sha;
	return NULL;
}

static void note_failure(collect *c, const branch_job *j)
{
	const char *why = j->res.err[0] ? j->res.err : pdt_strerror(j->rc);
	c->failed[c->nfailed++] = j->name;
	if (c->error[0])
		return;
	if (j->res.status)
		snprintf(c->error, sizeof c->error, "branch %s: %s (HTTP %ld)", j->name, why,
			 j->res.status);
	else
		snprintf(c->error, sizeof c->error, "branch %s: %s", j->name, why);
}

static const char *head_of(const collect *c, const char *name)
{
	for (size_t i = 0; i < c->branches->n; i++)
		if (strcmp(c->branches->items[i].name, name) == 0)
			return c->branches->items[i].sha;
	return NULL;
}

pdt_err collect_fetch(collect *c, upstream_client *client, const provider_ref *ref,
		      const char *default_branch, int64_t since, size_t width)
{
	branch_job *jobs = xcalloc(c->nchanged ? c->nchanged : 1, sizeof *jobs);
	job_pool pool = {.jobs = jobs, .client = client, .ref = ref};
	size_t n = 0;
	pdt_err rc = PDT_OK;
	c->failed = xcalloc(c->nchanged ? c->nchanged : 1, sizeof *c->failed);
	if (!c->nslots)
		rehash(c);
	for (size_t i = 0; i < c->nchanged; i++) {
		branch_job *j = &jobs[n];
		j->name = c->changed[i];
		j->head = head_of(c, j->name);
		j->base = job_base(c, j->name, default_branch, &j->own_base);
		j->since = since;
		if (j->base && strcmp(j->base, j->head) == 0)
			continue; /* already at its base: nothing new, no request */
		n++;
	}
	pool.n = n;
	atomic_init(&pool.next, 0);
	run_jobs(&pool, width);
	/* merged in attribution order: the first branch that has a commit keeps it */
	for (size_t i = 0; i < n; i++) {
		if (jobs[i].rc == PDT_ECANCELLED)
			rc = PDT_ECANCELLED;
		else if (jobs[i].rc)
			note_failure(c, &jobs[i]);
		for (size_t k = 0; k < jobs[i].n; k++)
			add_item(c, &jobs[i].items[k]);
		free(jobs[i].items);
	}
	free(jobs);
	return rc;
}

static bool branch_failed(const collect *c, const char *name)
{
	for (size_t i = 0; i < c->nfailed; i++)
		if (strcmp(c->failed[i], name) == 0)
			return true;
	return false;
}

/* Heads to store: every listed branch, failed ones at their old head. */
static store_branch_head *build_heads(const collect *c, size_t *n)
{
	const provider_branch_list *bl = c->branches;
	store_branch_head *h = xcalloc(bl->n ? bl->n : 1, sizeof *h);
	*n = 0;
	for (size_t i = 0; i < bl->n; i++) {
		const char *sha = bl->items[i].sha;
		if (branch_failed(c, bl->items[i].name))
			sha = stored_head(c->state, bl->items[i].name);
		if (!sha)
			continue; /* a new branch that failed: list it again next time */
		h[*n].name = bl->items[i].name;
		h[*n].sha = (char *)sha;
		(*n)++;
	}
	return h;
}

void collect_finish(collect *c, store *st, int64_t user_id, int64_t repo_id,
		    const provider_repo_info *info, int64_t now, sync_repo_report *rep)
{
	size_t nheads = 0, inserted = 0;
	store_branch_head *heads = build_heads(c, &nheads);
	bool ok = c->nfailed == 0;
	store_repo_sync_update u = {
		.user_id = user_id, .repo_id = repo_id,
		.commits = c->items, .ncommits = c->n,
		.heads = heads, .nheads = nheads, .prune_heads = true,
		.set_etag = true, .branches_etag = ok ? c->branches->etag : NULL,
		.default_branch = info->default_branch, .project_id = info->project_id,
		.is_valid = 1, .success = ok,
	};
	pdt_err rc = store_repo_sync_apply(st, &u, now, &inserted);
	free(heads);
	rep->total_fetched = (int64_t)c->n;
	rep->new_commits = rc ? 0 : (int64_t)inserted;
	free(rep->error);
	if (rc)
		rep->error = xstrdup(rc == PDT_ENOTFOUND ? "repository removed during the sync"
							 : "database error while storing commits");
	else
		rep->error = xstrdup(ok ? "" : c->error);
}
