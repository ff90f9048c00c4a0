#include "sync/jiradetail.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/timeutil.h"
#include "core/banned.h"

void jiradetail_set_init(jiradetail_set *s, const char *project_keys)
{
	memset(s, 0, sizeof *s);
	const char *p = project_keys ? project_keys : "";
	while (*p) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		size_t n = strcspn(p, ", \t");
		if (n) {
			s->projects = xrealloc(s->projects, (s->nprojects + 1) * sizeof *s->projects);
			char *pre = xmalloc(n + 2);
			memcpy(pre, p, n);
			pre[n] = '-';
			pre[n + 1] = '\0';
			s->projects[s->nprojects++] = pre;
		}
		p += n;
	}
}

static void free_comments(store_comment_in *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free((char *)v[i].comment_id);
		free((char *)v[i].author);
		free((char *)v[i].author_email);
		free((char *)v[i].body);
	}
	free(v);
}

static void free_card(store_card_in *c)
{
	free_comments((store_comment_in *)c->comments, c->ncomments);
	free((char *)c->description);
	free((char *)c->key);
	free((char *)c->summary);
	free((char *)c->status);
	free((char *)c->assignee);
	free((char *)c->issue_type);
	free((char *)c->details_json);
	memset(c, 0, sizeof *c);
}

void jiradetail_set_release(jiradetail_set *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free_card(&s->cards[i]);
		json_decref(s->details[i]);
	}
	for (size_t i = 0; i < s->nprojects; i++)
		free(s->projects[i]);
	free(s->projects);
	free(s->cards);
	free(s->details);
	free(s->truncated);
	free(s->comments_truncated);
	memset(s, 0, sizeof *s);
}

void jiradetail_set_sprint(jiradetail_set *s, int64_t jira_sprint_id)
{
	s->cur_sprint = jira_sprint_id;
	s->pending_from = s->n;
}

void jiradetail_discard_pending(jiradetail_set *s)
{
	for (size_t k = s->pending_from; k < s->n; k++) {
		free_card(&s->cards[k]);
		json_decref(s->details[k]);
		s->details[k] = NULL;
	}
	s->n = s->pending_from;
}

bool jiradetail_key_allowed(const jiradetail_set *s, const char *key)
{
	if (s->nprojects == 0)
		return true;
	for (size_t i = 0; i < s->nprojects; i++)
		if (strncmp(key, s->projects[i], strlen(s->projects[i])) == 0)
			return true;
	return false;
}

static json_t *ref_json(const jira_ref_issue *r)
{
	return json_pack("{s:s,s:s,s:s,s:s}", "key", r->key ? r->key : "",
			 "summary", r->summary ? r->summary : "", "status", r->status ? r->status : "",
			 "type", r->type ? r->type : "");
}

static json_t *change_json(const jira_change *c)
{
	char ts[TIMEUTIL_RFC3339_LEN];
	timeutil_format_rfc3339(c->created, ts);
	json_t *items = json_array();
	for (size_t i = 0; i < c->nitems; i++) {
		const jira_change_item *it = &c->items[i];
		json_array_append_new(items, json_pack("{s:s,s:s,s:s}", "field",
						       it->field ? it->field : "", "from_string",
						       it->from_string ? it->from_string : "",
						       "to_string", it->to_string ? it->to_string : ""));
	}
	return json_pack("{s:s,s:s,s:o}", "author", c->author ? c->author : "", "created", ts,
			 "items", items);
}

static json_t *detail_json(const jira_issue *i)
{
	json_t *subs = json_array(), *log = json_array();
	for (size_t k = 0; k < i->nsubtasks; k++)
		json_array_append_new(subs, ref_json(&i->subtasks[k]));
	for (size_t k = 0; k < i->nchanges; k++)
		json_array_append_new(log, change_json(&i->changelog[k]));
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "key", i->key,
			 "description", i->description ? i->description : "",
			 "summary", i->summary ? i->summary : "", "status", i->status ? i->status : "",
			 "assignee", i->assignee ? i->assignee : "",
			 "issue_type", i->issue_type ? i->issue_type : "",
			 "parent", i->parent ? ref_json(i->parent) : json_null(), "subtasks", subs,
			 "changelog", log);
}

static bool have_card(const jiradetail_set *s, const char *key)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->cards[i].key, key) == 0)
			return true;
	return false;
}

/* A new, empty card slot at the end. */
static size_t new_slot(jiradetail_set *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->cards = xrealloc(s->cards, s->cap * sizeof *s->cards);
		s->details = xrealloc(s->details, s->cap * sizeof *s->details);
		s->truncated = xrealloc(s->truncated, s->cap);
		s->comments_truncated = xrealloc(s->comments_truncated, s->cap);
	}
	s->truncated[s->n] = 0;
	s->comments_truncated[s->n] = 0;
	memset(&s->cards[s->n], 0, sizeof *s->cards);
	s->details[s->n] = NULL;
	return s->n++;
}

/* The issue's own open sprint when its Sprint field came; else the sprint
 * being listed (a closed sprint lists the cards it ended with); a search
 * result without the field keeps the card's stored sprint. */
static void card_sprint(const jiradetail_set *s, const jira_issue *i, store_card_in *c)
{
	if (i->sprint_known && i->open_sprint_id)
		c->jira_sprint_id = i->open_sprint_id;
	else if (s->cur_sprint)
		c->jira_sprint_id = s->cur_sprint;
	else
		c->keep_sprint = !i->sprint_known;
}

static void copy_comment(store_comment_in *to, const jira_comment *from)
{
	to->comment_id = xstrdup(from->id);
	to->author = xstrdup(from->author ? from->author : "");
	to->author_email = xstrdup(from->author_email ? from->author_email : "");
	to->body = xstrdup(from->body ? from->body : "");
	to->commented_at = from->created;
}

/* The issue's comments as they came: every one it has now (comments_known). */
static void copy_comments(store_card_in *c, const jira_comment *v, size_t n)
{
	store_comment_in *out = n ? xcalloc(n, sizeof *out) : NULL;
	for (size_t k = 0; k < n; k++)
		copy_comment(&out[k], &v[k]);
	c->comments = out;
	c->ncomments = n;
	c->comments_known = true;
}

int jiradetail_on_issue(const jira_issue *i, void *ctx)
{
	jiradetail_set *s = ctx;
	/* Sprints are listed active first: an issue carried over from an older
	 * sprint keeps the first (newest) sprint it was seen in. */
	if (!i->key || !i->key[0] || !jiradetail_key_allowed(s, i->key) || have_card(s, i->key))
		return 0;
	size_t k = new_slot(s);
	store_card_in *c = &s->cards[k];
	c->key = xstrdup(i->key);
	c->summary = xstrdup(i->summary ? i->summary : "");
	c->status = xstrdup(i->status ? i->status : "");
	c->assignee = xstrdup(i->assignee ? i->assignee : "");
	c->issue_type = xstrdup(i->issue_type ? i->issue_type : "");
	card_sprint(s, i, c);
	c->jira_updated_at = i->updated;
	if (i->description_known)
		c->description = xstrdup(i->description ? i->description : "");
	if (i->comments_known)
		copy_comments(c, i->comments, i->ncomments);
	s->details[k] = detail_json(i);
	s->truncated[k] = i->changelog_truncated;
	s->comments_truncated[k] = i->comments_known && i->comments_truncated;
	return 0;
}

void jiradetail_detach(jiradetail_set *s, const store_card *stored)
{
	if (!stored->key || have_card(s, stored->key))
		return;
	size_t k = new_slot(s);
	store_card_in *c = &s->cards[k];
	c->key = xstrdup(stored->key);
	c->summary = xstrdup(stored->summary ? stored->summary : "");
	c->status = xstrdup(stored->status ? stored->status : "");
	c->assignee = xstrdup(stored->assignee ? stored->assignee : "");
	c->issue_type = xstrdup(stored->issue_type ? stored->issue_type : "");
	s->truncated[k] = 0;
	s->ndetached++;
}

size_t jiradetail_count_distinct(const jiradetail_set *s)
{
	return s->n - s->ndetached;
}

static int on_change(const jira_change *c, void *ctx)
{
	json_array_append_new(ctx, change_json(c));
	return 0;
}

static pdt_err full_changelog(jiradetail_set *s, size_t k, upstream_client *c,
			      const jira_ref *ref, provider_result *res)
{
	json_t *log = json_array();
	pdt_err rc = jira_issue_changelog(c, ref, s->cards[k].key, on_change, log, res);
	if (rc == PDT_OK)
		json_object_set(s->details[k], "changelog", log);
	json_decref(log);
	return rc;
}

typedef struct comment_acc {
	store_comment_in *v;
	size_t n, cap;
} comment_acc;

static int on_comment(const jira_comment *cm, void *ctx)
{
	comment_acc *a = ctx;
	if (a->n >= JIRADETAIL_COMMENTS_MAX)
		return 1; /* listed newest first: the newest are kept */
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 128;
		a->v = xrealloc(a->v, a->cap * sizeof *a->v);
	}
	copy_comment(&a->v[a->n++], cm);
	return 0;
}

/* Every comment of an issue whose embedded ones were cut short. */
static pdt_err all_comments(jiradetail_set *s, size_t k, upstream_client *c,
			    const jira_ref *ref, provider_result *res)
{
	comment_acc a = {0};
	store_card_in *card = &s->cards[k];
	pdt_err rc = jira_issue_comments(c, ref, card->key, on_comment, &a, res);
	if (rc) {
		free_comments(a.v, a.n);
		return rc;
	}
	free_comments((store_comment_in *)card->comments, card->ncomments);
	card->comments = a.v;
	card->ncomments = a.n;
	s->comments_truncated[k] = 0;
	return PDT_OK;
}

pdt_err jiradetail_fetch_truncated(jiradetail_set *s, upstream_client *c, const jira_ref *ref,
				   provider_result *res)
{
	pdt_err rc = PDT_OK;
	for (size_t k = s->pending_from; k < s->n && !rc; k++) {
		if (s->truncated[k])
			rc = full_changelog(s, k, c, ref, res);
		if (!rc && s->comments_truncated[k])
			rc = all_comments(s, k, c, ref, res);
	}
	for (size_t k = s->pending_from; k < s->n; k++) {
		if (!s->details[k] || s->cards[k].details_json)
			continue;
		s->cards[k].details_json = json_dumps(s->details[k], JSON_COMPACT);
		json_decref(s->details[k]);
		s->details[k] = NULL;
	}
	s->pending_from = s->n;
	return rc;
}
