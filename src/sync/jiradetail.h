#ifndef PDT_SYNC_JIRADETAIL_H
#define PDT_SYNC_JIRADETAIL_H
/*
 * jiradetail: turns the issues of a Jira pass into the cards pdt stores,
 * with details_json in the Go original's fixed shape (CONTRACT §4):
 *   {"key","summary","status","assignee","issue_type",
 *    "parent":{"key","summary","status","type"}|null,
 *    "subtasks":[{"key","summary","status","type"}],
 *    "changelog":[{"author","created","items":[{"field","from_string","to_string"}]}]}
 * (changelog oldest first, created as RFC 3339 UTC). Cards outside the
 * user's jira_project_keys are dropped; an issue listed twice (a carried-over
 * card) keeps its first listing — the sync lists active sprints first; an
 * issue whose embedded changelog was
 * truncated gets its whole history fetched before its detail is written,
 * and one whose embedded comments were truncated gets all its comments
 * (GET /rest/api/2/issue/{key}/comment, that issue only; the newest
 * JIRADETAIL_COMMENTS_MAX are kept, a bound on one card's memory and rows).
 * Each card carries
 * its description (plain text) and, when the listing had the comment field,
 * every comment it has now, so the store drops the ones deleted upstream.
 *
 * Ownership: the set owns every card string and frees them in
 * jiradetail_set_release. `cards` is laid out as store_card_in for
 * store_jira_apply.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "upstream/jira.h"

#define JIRADETAIL_COMMENTS_MAX 2000

typedef struct jiradetail_set {
	store_card_in *cards; /* owned strings */
	json_t **details;     /* per card until its details_json is written */
	unsigned char *truncated;          /* changelog cut short */
	unsigned char *comments_truncated; /* embedded comments cut short */
	size_t n, cap;
	char **projects;      /* "PROJ-" prefixes; none = keep all */
	size_t nprojects;
	int64_t cur_sprint;
	size_t pending_from;  /* first card of the current listing */
	size_t ndetached;     /* cards added by jiradetail_detach */
} jiradetail_set;

void jiradetail_set_init(jiradetail_set *s, const char *project_keys);
void jiradetail_set_release(jiradetail_set *s);
/* The Jira sprint the following issues are listed in; 0 for a search. A
 * card goes to the issue's open sprint (its Sprint field), else to the
 * listed sprint, else (a search) to none. */
void jiradetail_set_sprint(jiradetail_set *s, int64_t jira_sprint_id);
/* Drops the cards of the current listing (a listing that failed part-way:
 * what is stored stays as it was). */
void jiradetail_discard_pending(jiradetail_set *s);
/* jira_issue_cb: adds or replaces the issue's card. ctx is the set. */
int jiradetail_on_issue(const jira_issue *i, void *ctx);
/* Fetches full changelogs for the current listing's truncated issues, then
 * writes their details_json. */
pdt_err jiradetail_fetch_truncated(jiradetail_set *s, upstream_client *c, const jira_ref *ref,
				   provider_result *res);
/* Adds a stored card as it is, without a sprint and without a new
 * details_json (the stored one stays): it left its sprint. */
void jiradetail_detach(jiradetail_set *s, const store_card *stored);
/* Cards that came from Jira in this pass (each once, detached ones not
 * counted): POST /api/sync/jira's "cards". */
size_t jiradetail_count_distinct(const jiradetail_set *s);
/* true when key is kept by the project filter. */
bool jiradetail_key_allowed(const jiradetail_set *s, const char *key);

#endif
