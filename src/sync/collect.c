#include "sync/collect.h"

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

void collect_release(collect *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free((char *)c->items[i].sha);
		free((char *)c->items[i].message);
		free((char *)c->items[i].author);
		free((char *)c->items[i].author_email);
		free((char *)c->items[i].jira_card_key);
	}
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

static int on_commit(const provider_commit *pc, void *ctx)
{
	collect *c = ctx;
	size_t slot = 0;
	if (!pc->sha || !pc->sha[0])
		return 0;
	if ((c->n + 1) * 2 > c->nslots)
		rehash(c);
	if (seen(c, pc->sha, &slot))
		return 0;
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->items = xrealloc(c->items, c->cap * sizeof *c->items);
	}
	char key[JIRAKEY_MAX];
	store_commit_in *in = &c->items[c->n];
	in->sha = xstrdup(pc->sha);
	in->message = xstrdup(pc->message ? pc->message : "");
	in->author = xstrdup(pc->author ? pc->author : "");
	in->author_email = xstrdup(pc->author_email ? pc->author_email : "");
	in->branch = c->cur_branch; /* borrowed from the branch list */
	in->date = pc->date;
	in->jira_card_key = jirakey_extract(in->message, key) ? xstrdup(key) : NULL;
	c->slots[slot] = ++c->n;
	return 0;
}

pdt_err collect_fetch(collect *c, upstream_client *client, const provider_ref *ref,
		      int64_t since)
{
	c->failed = xcalloc(c->nchanged ? c->nchanged : 1, sizeof *c->failed);
	if (!c->nslots)
		rehash(c);
	for (size_t i = 0; i < c->nchanged; i++) {
		provider_result res = {0};
		c->cur_branch = c->changed[i];
		pdt_err rc = provider_commits(client, ref, c->changed[i], since, on_commit, c, &res);
		if (rc == PDT_ECANCELLED)
			return rc;
		if (rc == PDT_OK)
			continue;
		c->failed[c->nfailed++] = c->changed[i];
		if (!c->error[0] && res.status)
			snprintf(c->error, sizeof c->error, "branch %s: %s (HTTP %ld)", c->changed[i],
				 res.err[0] ? res.err : pdt_strerror(rc), res.status);
		else if (!c->error[0])
			snprintf(c->error, sizeof c->error, "branch %s: %s", c->changed[i],
				 res.err[0] ? res.err : pdt_strerror(rc));
	}
	return PDT_OK;
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
