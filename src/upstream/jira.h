#ifndef PDT_UPSTREAM_JIRA_H
#define PDT_UPSTREAM_JIRA_H
/*
 * jira: the Jira Cloud agile and platform REST APIs, turned into plain
 * structs for the Jira sync (UPSTREAM.md "Jira Cloud").
 *
 * Every list is followed to its end with startAt / maxResults / isLast /
 * total (Jira caps maxResults at 50 whatever is asked): the agile lists
 * (boards, sprints, sprint issues) by isLast when present, else by
 * startAt + len(values|issues) >= total, else by an empty page; the
 * changelog pages the same way. A page bound (JIRA_MAX_PAGES) stops a
 * misbehaving server (PDT_EUPSTREAM), and a page whose startAt would not
 * advance ends the listing. Calls go through upstream_do with Basic auth
 * (email:token), "Accept: application/json" and the caller's rate-limit
 * key; Jira's 429 + Retry-After is the client's business.
 *
 * Issue listings ask for exactly the fields the detail needs
 * (summary,status,assignee,issuetype,parent,subtasks,updated,description,
 * comment) with expand=changelog, so one page brings up to 50 issues with
 * their recent history, description and comments: no request per issue.
 * Jira embeds at most 100 changelog entries (jira_issue.changelog_truncated:
 * fetch the full history with jira_issue_changelog()) and a bounded number
 * of comments (jira_issue.comments_truncated: jira_issue_comments()).
 *
 * Errors as provider.h: PDT_EUPSTREAM with res->status and res->err ("Client
 * must be authenticated to access this resource." etc.) for a non-2xx final
 * status — a kanban board answers sprints with 400, which the caller skips;
 * PDT_EINVAL for a body that is not the expected JSON; else upstream_do's
 * code. Jira's message is the first of errorMessages, else the first value
 * of errors, else "message"; an HTML body (a 401 may send one) gives "HTTP
 * 401: ...". res->err never shows the email or the token (a message naming
 * either is withheld). PDT_EINVAL without a request for an unusable ref: a
 * base that is not http(s)://..., a missing email or token, an email with ':'
 * or a line break. res may be NULL. Timestamps
 * ("2026-02-18T14:30:00.000+0100") become UTC Unix seconds.
 *
 * Pages are checked whole before any callback runs, so a malformed page
 * reports nothing: board and sprint ids must be positive integers, issue
 * keys (and parent / subtask keys) 1..255 printable bytes without spaces, a
 * history's "created" a timestamp, and every field read must have its JSON
 * type; absent or null text reads as "", absent dates as 0.
 *
 * Ownership: callbacks receive structs borrowed for the call only.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "upstream/client.h"
#include "upstream/provider.h"

#define JIRA_MAX_PAGES 10000
/* Jira Cloud's Sprint field: the agile and platform APIs both render it as
 * an array of {"id","name","state","boardId",...} (or null) when asked for. */
#define JIRA_SPRINT_FIELD "customfield_10020"
#define JIRA_TOKEN_MAX 2048 /* nextPageToken bound */

typedef struct jira_ref {
	const char *base;  /* "https://team.atlassian.net" (see jira_base_url) */
	const char *email;
	const char *token;
	const char *ratelimit_key;
	int64_t deadline_ms; /* as provider_ref.deadline_ms; 0 = none */
	const netpolicy *policy; /* the target check (upstream_req.policy); borrowed */
} jira_ref;

/* Base URL from a user's jira_workspace: a bare host "team.atlassian.net"
 * becomes "https://team.atlassian.net"; a value with a scheme is used as it
 * is (outer white space and trailing "/" dropped, the scheme lower-cased).
 * NULL for an empty or unusable value: inner spaces, control or non-ASCII
 * bytes, a scheme other than http/https, user info, a query or fragment, no
 * host, a bad port. Caller frees. */
char *jira_base_url(const char *workspace);

typedef struct jira_board {
	int64_t id;
	const char *name;
	const char *type; /* "scrum" | "kanban" | ... */
} jira_board;

typedef struct jira_sprint {
	int64_t id;
	int64_t board_id;   /* originBoardId, or the board listed */
	const char *name;
	const char *state;  /* "active" | "future" | "closed" */
	int64_t start_date; /* 0 when absent (future sprints) */
	int64_t end_date;
	int64_t complete_date;
} jira_sprint;

typedef struct jira_ref_issue {
	const char *key;
	const char *summary;
	const char *status;
	const char *type;
} jira_ref_issue;

typedef struct jira_change_item {
	const char *field;
	const char *from_string; /* "" when null */
	const char *to_string;
} jira_change_item;

typedef struct jira_change {
	const char *author;  /* displayName, "" when absent */
	int64_t created;
	const jira_change_item *items;
	size_t nitems;
} jira_change;

/* One comment (embedded in an issue's "comment" field, or a page of
 * GET /rest/api/2/issue/{key}/comment). */
typedef struct jira_comment {
	const char *id;           /* Jira's comment id, 1..64 bytes */
	const char *author;       /* displayName, "" when absent */
	const char *author_email; /* emailAddress, "" when hidden */
	const char *body;         /* plain text (adf.h), at most ADF_TEXT_MAX bytes */
	int64_t created;          /* 0 when absent */
	int64_t updated;
} jira_comment;

typedef struct jira_issue {
	const char *key;
	const char *summary;
	const char *status;
	const char *assignee;   /* displayName, "" when unassigned */
	const char *issue_type;
	int64_t updated;
	const char *updated_raw; /* the text Jira sent, with its offset (for JQL) */
	const jira_ref_issue *parent; /* NULL when none */
	const jira_ref_issue *subtasks;
	size_t nsubtasks;
	const jira_change *changelog; /* as embedded, oldest first */
	size_t nchanges;
	bool changelog_truncated; /* the embedded changelog's total > what came */
	/* The Sprint field (JIRA_SPRINT_FIELD: [{id, state, ...}] | null). When
	 * it came, sprint_known is set and open_sprint_id is the issue's active
	 * sprint, else its last future one, else 0 (backlog, or closed sprints
	 * only). A value of another shape reads as not known. */
	bool sprint_known;
	int64_t open_sprint_id;
	/* "description" (a v2 string or a v3 ADF tree) as plain text; only
	 * meaningful when description_known (the field came). */
	bool description_known;
	const char *description;
	/* The embedded "comment" field {"comments", "total", ...}: comments_known
	 * when it came; comments_truncated when its total is more than came
	 * (then jira_issue_comments() lists them all). Oldest first. */
	bool comments_known;
	bool comments_truncated;
	const jira_comment *comments;
	size_t ncomments;
} jira_issue;

/* Return non-zero from a callback to stop the listing early (PDT_OK). */
typedef int (*jira_board_cb)(const jira_board *b, void *ctx);
typedef int (*jira_sprint_cb)(const jira_sprint *s, void *ctx);
typedef int (*jira_issue_cb)(const jira_issue *i, void *ctx);
typedef int (*jira_change_cb)(const jira_change *c, void *ctx);
typedef int (*jira_comment_cb)(const jira_comment *c, void *ctx);

/* GET /rest/agile/1.0/board */
pdt_err jira_boards(upstream_client *c, const jira_ref *ref, jira_board_cb cb, void *ctx,
		    provider_result *res);
/* GET /rest/agile/1.0/board/{id}/sprint?state=active,future,closed, or
 * with open_only state=active,future */
pdt_err jira_sprints(upstream_client *c, const jira_ref *ref, int64_t board_id, bool open_only,
		     jira_sprint_cb cb, void *ctx, provider_result *res);
/* GET /rest/agile/1.0/sprint/{id}: cb runs once with the sprint (board_id =
 * originBoardId, else 0). A deleted sprint: PDT_EUPSTREAM with res->status 404. */
pdt_err jira_sprint_get(upstream_client *c, const jira_ref *ref, int64_t sprint_id,
			jira_sprint_cb cb, void *ctx, provider_result *res);
/* POST /rest/api/3/search/jql {"jql", "fields": the issue fields above +
 * JIRA_SPRINT_FIELD, "expand": "changelog", "maxResults": 100,
 * "nextPageToken"}: every page, by nextPageToken (a page without one, or with
 * "isLast": true, or with no issues ends it; a token that repeats ends it).
 * jql must be bounded (Jira refuses unbounded queries with 400). */
pdt_err jira_search(upstream_client *c, const jira_ref *ref, const char *jql, jira_issue_cb cb,
		    void *ctx, provider_result *res);
/* GET /rest/agile/1.0/sprint/{id}/issue?fields=...&expand=changelog[&jql=...]
 * jql (NULL or "" for none) is sent percent-encoded. */
pdt_err jira_sprint_issues(upstream_client *c, const jira_ref *ref, int64_t sprint_id,
			   const char *jql, jira_issue_cb cb, void *ctx, provider_result *res);
/* GET /rest/api/3/issue/{key}/changelog (all pages, oldest first) */
pdt_err jira_issue_changelog(upstream_client *c, const jira_ref *ref, const char *key,
			     jira_change_cb cb, void *ctx, provider_result *res);

/* GET /rest/api/2/issue/{key}/comment?orderBy=-created (all pages, newest
 * first, until cb stops it): an issue whose embedded comments were
 * truncated. */
pdt_err jira_issue_comments(upstream_client *c, const jira_ref *ref, const char *key,
			    jira_comment_cb cb, void *ctx, provider_result *res);

/* Parsers for tests and fuzz targets: one page body each (not
 * NUL-terminated), PDT_OK or PDT_EINVAL. *is_last / *next say where the
 * listing goes on (next = startAt of the following page; a missing startAt
 * counts as 0). *is_last is also true when a callback stopped the listing,
 * and on PDT_EINVAL (then *next = 0). is_last, next and cb may be NULL. */
pdt_err jira_parse_boards(const char *body, size_t len, jira_board_cb cb, void *ctx,
			  bool *is_last, int64_t *next);
pdt_err jira_parse_sprints(const char *body, size_t len, int64_t board_id, jira_sprint_cb cb,
			   void *ctx, bool *is_last, int64_t *next);
pdt_err jira_parse_issues(const char *body, size_t len, jira_issue_cb cb, void *ctx,
			  bool *is_last, int64_t *next);
pdt_err jira_parse_changelog(const char *body, size_t len, jira_change_cb cb, void *ctx,
			     bool *is_last, int64_t *next);
pdt_err jira_parse_comments(const char *body, size_t len, jira_comment_cb cb, void *ctx,
			    bool *is_last, int64_t *next);
/* One sprint object (GET sprint/{id}); cb runs once on success. */
pdt_err jira_parse_sprint(const char *body, size_t len, jira_sprint_cb cb, void *ctx);
/* A search/jql page {"issues", "nextPageToken"?, "isLast"?}: token (size
 * JIRA_TOKEN_MAX + 1, may be NULL) gets the next page's token, "" when this
 * page is the last. */
pdt_err jira_parse_search(const char *body, size_t len, jira_issue_cb cb, void *ctx,
			  bool *is_last, char *token);

#endif
