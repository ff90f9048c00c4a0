#ifndef PDT_SYNC_COLLECT_H
#define PDT_SYNC_COLLECT_H
/*
 * collect: the part of one repository's commit sync between "the branch list
 * changed" and "one transaction in the store" (see sync/commits.h):
 * decides which branches moved, lists them in attribution order (default
 * branch first, then by name), deduplicates commits by SHA with the first
 * branch that had a commit keeping it, and writes commits, heads, ETag and
 * timestamps together.
 *
 * Ownership: a collect owns every string it gathered; collect_release frees
 * them. It borrows the sync state and branch list passed to collect_plan
 * until collect_finish returns.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "sync/report.h"
#include "upstream/provider.h"

typedef struct collect {
	const store_repo_sync_state *state;
	const provider_branch_list *branches;
	char **changed; /* names of branches to list, in attribution order */
	size_t nchanged;
	store_commit_in *items; /* owned strings */
	size_t n, cap;
	size_t *slots; /* open-addressing index over items by SHA (index + 1; 0 = empty) */
	size_t nslots;
	char **failed; /* branches whose listing failed: their heads stay as they were */
	size_t nfailed;
	char error[300]; /* the first branch failure, for the repository's result */
} collect;

void collect_init(collect *c);
void collect_release(collect *c);

/* Chooses the branches whose head moved (or that are new). */
void collect_plan(collect *c, const store_repo_sync_state *st, const provider_branch_list *bl);
/* True when the stored default branch is unknown or no longer listed. */
bool collect_needs_default(const collect *c);
/* Orders the chosen branches: default_branch first (if chosen), then by name. */
void collect_order(collect *c, const char *default_branch);
/*
 * Fetches the chosen branches, at most `width` at a time (one thread each),
 * and merges them in attribution order. By ancestry: a moved branch gets the
 * commits reachable from its new head and not from its stored one (compare);
 * a new branch is compared with default_branch's current head; the default
 * branch without a stored head, or any branch when there is no usable base
 * (no default branch listed, a force-push: the old head is not an ancestor,
 * or a compare answering 404), is listed by date from `since`. A branch
 * already at its base costs no request. Commits whose committer date is
 * before `since` are dropped. A branch that fails is remembered (c->failed,
 * c->error) and the others continue. PDT_OK, or PDT_ECANCELLED when the
 * client was cancelled (stop, write nothing).
 */
pdt_err collect_fetch(collect *c, upstream_client *client, const provider_ref *ref,
		      const char *default_branch, int64_t since, size_t width);
/*
 * One transaction: the new commits, every listed branch's head (failed ones
 * keep their old head), the ETag only when nothing failed, validity and the
 * timestamps. Fills rep's counts and, on failure, its error.
 */
void collect_finish(collect *c, store *st, int64_t user_id, int64_t repo_id,
		    const provider_repo_info *info, int64_t now, sync_repo_report *rep);

#endif
