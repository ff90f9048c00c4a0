#ifndef PDT_STORE_STORE_REPORTS_H
#define PDT_STORE_STORE_REPORTS_H
/*
 * store_reports: the part of the store API that reports use (issue 12):
 * report templates, generated reports, the rows a report is built from, and
 * what the worker's automatic generation has done (migration 006).
 *
 * Same rules as store.h: every call takes the caller's user id and matches
 * it in SQL (another user's object is PDT_ENOTFOUND), writes are one
 * transaction each, output structs hold heap strings released with the
 * matching *_release, inputs are borrowed for the call.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* ---- templates ---- */

typedef struct store_template {
	int64_t id;
	int64_t user_id;
	char *name;
	char *content;
	bool is_default;
	int64_t created_at;
	int64_t updated_at;
} store_template;

struct store_template_list {
	store_template *items;
	size_t n;
};

void store_template_release(store_template *t);
void store_template_list_release(struct store_template_list *l);

/* Creating or updating one with is_default clears the user's other default
 * in the same transaction (at most one default per user). */
pdt_err store_template_create(store *s, int64_t user_id, const char *name, const char *content,
			      bool is_default, int64_t now, store_template *out);
/* NULL name/content and is_default -1 leave those as they are. */
pdt_err store_template_update(store *s, int64_t user_id, int64_t id, const char *name,
			      const char *content, int is_default, int64_t now,
			      store_template *out);
pdt_err store_template_get(store *s, int64_t user_id, int64_t id, store_template *out);
/* The user's default template; PDT_ENOTFOUND when none. */
pdt_err store_template_default(store *s, int64_t user_id, store_template *out);
/* Ordered by id. */
pdt_err store_template_list(store *s, int64_t user_id, struct store_template_list *out);
/* Its reports stay (their template_id becomes 0). */
pdt_err store_template_delete(store *s, int64_t user_id, int64_t id);

/* ---- reports ---- */

typedef struct store_report {
	int64_t id;
	int64_t user_id;
	int64_t template_id; /* 0 = none (built-in template, or template deleted) */
	char *report_type;   /* "daily" | "monthly" */
	char *period;        /* "YYYY-MM-DD" (daily) | "YYYY-MM" (monthly) */
	char *title;
	char *content;
	char *file_url;      /* "" when not uploaded */
	int64_t created_at;
} store_report;

struct store_report_list {
	store_report *items;
	size_t n;
};

void store_report_release(store_report *r);
void store_report_list_release(struct store_report_list *l);

typedef struct store_report_in {
	int64_t user_id;
	int64_t template_id; /* 0 = none */
	const char *report_type;
	const char *period;
	const char *title;
	const char *content;
	/*
	 * The worker's automatic generation: true makes the save conditional
	 * on report_auto_state (last_daily / last_monthly, by report_type)
	 * being before `period`, and advances it in the same transaction;
	 * PDT_ECONFLICT when it is not (already generated, by this process
	 * before a restart or by another replica).
	 */
	bool automatic;
} store_report_in;

/*
 * Inserts the report, or replaces the one of that user, type and period
 * (new template, title, content and created_at; file_url cleared).
 * *replaced (may be NULL) says which.
 */
pdt_err store_report_save(store *s, const store_report_in *in, int64_t now, store_report *out,
			  bool *replaced);
pdt_err store_report_get(store *s, int64_t user_id, int64_t id, store_report *out);
/*
 * Newest period first (a monthly report counts as the 1st of its month).
 * from/to: "YYYY-MM-DD" bounds, inclusive; NULL = open.
 */
pdt_err store_report_list(store *s, int64_t user_id, const char *from, const char *to,
			  struct store_report_list *out);
pdt_err store_report_delete(store *s, int64_t user_id, int64_t id);
pdt_err store_report_set_file_url(store *s, int64_t user_id, int64_t id, const char *url);

/* ---- what a report is built from ---- */

/* One commit of the user's repositories (strings borrowed for the call;
 * jira_card_key "" when none). */
typedef struct store_report_commit {
	int64_t id;
	const char *sha;
	const char *message;
	const char *branch;
	const char *repo_owner;
	const char *repo_name;
	const char *jira_card_key;
	int64_t date;
} store_report_commit;

/*
 * The user's commits with from <= date < to, oldest first (ties by id),
 * then (links) every manual link of those commits in link order, then
 * (cards) every Jira card of the user with its summary and status. Any
 * callback may be NULL (that part is skipped). Callbacks must not call
 * back into the store.
 */
typedef struct store_report_source {
	void (*commit)(const store_report_commit *c, void *ctx);
	void (*link)(int64_t commit_id, const char *key, void *ctx);
	void (*card)(const char *key, const char *summary, const char *status, void *ctx);
	void *ctx;
} store_report_source;

pdt_err store_report_read(store *s, int64_t user_id, int64_t from, int64_t to,
			  const store_report_source *src);

/* ---- automatic generation ---- */

/* Ids of users with at least one commit with from <= date < to, ascending.
 * Caller frees *ids. */
pdt_err store_report_users_with_commits(store *s, int64_t from, int64_t to, int64_t **ids,
					size_t *n);

/* What the automatic generation did for the user: the last daily date and
 * monthly month ("" when none), into buffers of at least 16 bytes. */
pdt_err store_report_auto_state(store *s, int64_t user_id, char *daily, char *monthly);

#endif
