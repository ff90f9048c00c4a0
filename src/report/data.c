#include "report/data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "core/utf8.h"
#include "report/tz.h"
#include "core/banned.h"

#define SHA_SHOWN 8

typedef struct rcommit {
	int64_t id;
	int64_t date;
	char *sha;     /* first 8 characters */
	char *message; /* first line, cut */
	char *branch;
	char *repo;    /* owner/name */
	char **keys;   /* extracted key first, then manual links; each once */
	size_t nkeys;
	reporttz_tm local;
	json_t *json; /* built once, shared by every array that lists it */
} rcommit;

typedef struct rcard {
	char *key;
	char *summary;
	char *status;
} rcard;

/* (commit id, index in commits) sorted by id, for the links. */
typedef struct id_idx {
	int64_t id;
	size_t idx;
} id_idx;

struct reportdata {
	char *author;
	rcommit *c;
	size_t n, cap;
	rcard *cards; /* in the store's (strcmp) key order */
	size_t ncards, cardcap;
	id_idx *by_id; /* built on the first link */
};

/* A key and one commit under it: what grouping sorts. */
typedef struct pair {
	const char *key;
	size_t plen;    /* length of the project part (key_split) */
	long long num;  /* the number after it, -1 when none */
	size_t ci;
} pair;

static const char *const month_names[] = {"January", "February", "March", "April", "May",
					  "June", "July", "August", "September", "October",
					  "November", "December"};
static const char *const day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday",
					"Thursday", "Friday", "Saturday"};

/* ---- pure helpers ---- */

char *reportdata_valid_text(const char *s, size_t n)
{
	buf b = BUF_INIT(n * 3 + 1);
	size_t i = 0;
	while (i < n) {
		size_t ok = utf8_valid_prefix(s + i, n - i);
		buf_append(&b, s + i, ok);
		i += ok;
		if (i < n) {
			buf_appends(&b, "\xef\xbf\xbd");
			i++;
		}
	}
	return buf_detach(&b);
}

char *reportdata_message(const char *msg)
{
	if (!msg)
		return xstrdup("");
	size_t n = strcspn(msg, "\n");
	while (n && msg[n - 1] == '\r')
		n--;
	char *line = reportdata_valid_text(msg, n);
	size_t chars = 0, keep_bytes = 0;
	for (size_t i = 0; line[i]; i++) {
		if (((unsigned char)line[i] & 0xc0) == 0x80)
			continue; /* a continuation byte */
		if (chars == REPORTDATA_MSG_KEEP)
			keep_bytes = i;
		chars++;
	}
	if (chars <= REPORTDATA_MSG_MAX)
		return line;
	buf b = BUF_INIT(keep_bytes + 4);
	buf_append(&b, line, keep_bytes);
	buf_appends(&b, "...");
	free(line);
	return buf_detach(&b);
}

/* Splits "PROJ-123" into its project part (length) and number; a key without
 * "-digits" at the end has number -1. */
static size_t key_split(const char *k, long long *num)
{
	const char *dash = strrchr(k, '-');
	*num = -1;
	if (!dash || !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1) ||
	    strlen(dash + 1) > 18)
		return strlen(k);
	*num = strtoll(dash + 1, NULL, 10);
	return (size_t)(dash - k);
}

int reportdata_key_cmp(const char *a, const char *b)
{
	long long na, nb;
	size_t la = key_split(a, &na), lb = key_split(b, &nb);
	size_t l = la < lb ? la : lb;
	int c = memcmp(a, b, l);
	if (c)
		return c;
	if (la != lb)
		return la < lb ? -1 : 1;
	if (na != nb)
		return na < nb ? -1 : 1;
	return strcmp(a, b);
}

static int weekday(int y, int m, int d)
{
	int64_t days = timeutil_days_from_civil(y, (unsigned)m, (unsigned)d);
	return (int)(((days % 7) + 11) % 7); /* 1970-01-01 was a Thursday */
}

void reportdata_format_date(int year, int month, int day, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s, %02d %s %04d", day_names[weekday(year, month, day)], day,
		 month_names[(month - 1) % 12], year);
}

/* ---- collecting ---- */

reportdata *reportdata_new(const char *author)
{
	reportdata *d = xcalloc(1, sizeof *d);
	d->author = reportdata_valid_text(author ? author : "", author ? strlen(author) : 0);
	return d;
}

void reportdata_free(reportdata *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		rcommit *c = &d->c[i];
		free(c->sha);
		free(c->message);
		free(c->branch);
		free(c->repo);
		for (size_t k = 0; k < c->nkeys; k++)
			free(c->keys[k]);
		free(c->keys);
		json_decref(c->json);
	}
	for (size_t i = 0; i < d->ncards; i++) {
		free(d->cards[i].key);
		free(d->cards[i].summary);
		free(d->cards[i].status);
	}
	free(d->c);
	free(d->cards);
	free(d->by_id);
	free(d->author);
	free(d);
}

static void add_key(rcommit *c, const char *key)
{
	if (!key || !*key)
		return;
	for (size_t i = 0; i < c->nkeys; i++)
		if (strcmp(c->keys[i], key) == 0)
			return;
	c->keys = xrealloc(c->keys, (c->nkeys + 1) * sizeof *c->keys);
	c->keys[c->nkeys++] = reportdata_valid_text(key, strlen(key));
}

static void on_commit(const store_report_commit *in, void *ctx)
{
	reportdata *d = ctx;
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->c = xrealloc(d->c, d->cap * sizeof *d->c);
	}
	rcommit *c = &d->c[d->n++];
	memset(c, 0, sizeof *c);
	const char *sha = in->sha ? in->sha : "";
	c->id = in->id;
	c->date = in->date;
	c->sha = reportdata_valid_text(sha, strnlen(sha, SHA_SHOWN));
	c->message = reportdata_message(in->message);
	c->branch = reportdata_valid_text(in->branch ? in->branch : "", in->branch ? strlen(in->branch) : 0);
	buf repo = BUF_INIT(4096);
	buf_appendf(&repo, "%s/%s", in->repo_owner ? in->repo_owner : "",
		    in->repo_name ? in->repo_name : "");
	c->repo = reportdata_valid_text(buf_str(&repo), repo.len);
	buf_release(&repo);
	add_key(c, in->jira_card_key);
	reporttz_local(in->date, &c->local);
	free(d->by_id); /* stale once commits grow */
	d->by_id = NULL;
}

static int id_cmp(const void *a, const void *b)
{
	int64_t x = ((const id_idx *)a)->id, y = ((const id_idx *)b)->id;
	return x < y ? -1 : x > y;
}

static void on_link(int64_t commit_id, const char *key, void *ctx)
{
	reportdata *d = ctx;
	if (!d->by_id && d->n) {
		d->by_id = xmalloc(d->n * sizeof *d->by_id);
		for (size_t i = 0; i < d->n; i++)
			d->by_id[i] = (id_idx){d->c[i].id, i};
		qsort(d->by_id, d->n, sizeof *d->by_id, id_cmp);
	}
	id_idx want = {commit_id, 0};
	id_idx *hit = d->n ? bsearch(&want, d->by_id, d->n, sizeof *d->by_id, id_cmp) : NULL;
	if (hit)
		add_key(&d->c[hit->idx], key);
}

static void on_card(const char *key, const char *summary, const char *status, void *ctx)
{
	reportdata *d = ctx;
	if (!key)
		return;
	if (d->ncards == d->cardcap) {
		d->cardcap = d->cardcap ? d->cardcap * 2 : 64;
		d->cards = xrealloc(d->cards, d->cardcap * sizeof *d->cards);
	}
	rcard *c = &d->cards[d->ncards++];
	c->key = xstrdup(key);
	c->summary = reportdata_valid_text(summary ? summary : "", summary ? strlen(summary) : 0);
	c->status = reportdata_valid_text(status ? status : "", status ? strlen(status) : 0);
}

store_report_source reportdata_source(reportdata *d)
{
	return (store_report_source){on_commit, on_link, on_card, d};
}

pdt_err reportdata_load(reportdata *d, store *s, int64_t user_id, int64_t from, int64_t to)
{
	store_report_source src = reportdata_source(d);
	return store_report_read(s, user_id, from, to, &src);
}

size_t reportdata_commit_count(const reportdata *d)
{
	return d->n;
}

static int card_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const rcard *)elem)->key);
}

static const rcard *find_card(const reportdata *d, const char *key)
{
	if (!d->ncards)
		return NULL;
	return bsearch(key, d->cards, d->ncards, sizeof *d->cards, card_key_cmp);
}

/* ---- grouping ---- */

/* reportdata_key_cmp's order on pre-split keys, then commit order. */
static int pair_cmp(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	size_t l = x->plen < y->plen ? x->plen : y->plen;
	int c = memcmp(x->key, y->key, l);
	if (!c && x->plen != y->plen)
		c = x->plen < y->plen ? -1 : 1;
	if (!c && x->num != y->num)
		c = x->num < y->num ? -1 : 1;
	if (!c)
		c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->ci < y->ci ? -1 : x->ci > y->ci;
}

/* Every (key, commit) of commits [lo, hi) in card order; caller frees. */
static pair *group(const reportdata *d, size_t lo, size_t hi, size_t *np)
{
	size_t n = 0;
	for (size_t i = lo; i < hi; i++)
		n += d->c[i].nkeys;
	pair *p = xmalloc((n ? n : 1) * sizeof *p);
	n = 0;
	for (size_t i = lo; i < hi; i++)
		for (size_t k = 0; k < d->c[i].nkeys; k++, n++) {
			p[n].key = d->c[i].keys[k];
			p[n].plen = key_split(p[n].key, &p[n].num);
			p[n].ci = i;
		}
	qsort(p, n, sizeof *p, pair_cmp);
	*np = n;
	return p;
}

/* Number of distinct keys in a grouped run of pairs. */
static size_t distinct_keys(const pair *p, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(p[i].key, p[i - 1].key) != 0)
			k++;
	return k;
}

/* A new reference to the commit's object (built on first use). */
static json_t *commit_json(rcommit *c)
{
	char time_s[8], date_s[16];
	if (c->json)
		return json_incref(c->json);
	snprintf(time_s, sizeof time_s, "%02d:%02d", c->local.hour % 100, c->local.min % 100);
	snprintf(date_s, sizeof date_s, "%04d-%02d-%02d", c->local.year % 10000,
		 c->local.month % 100, c->local.day % 100);
	c->json = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s}", "SHA", c->sha, "Message", c->message,
			    "Branch", c->branch, "Repo", c->repo, "Time", time_s, "Date", date_s);
	return json_incref(c->json);
}

static json_t *card_head(const reportdata *d, const char *key)
{
	const rcard *card = find_card(d, key);
	return json_pack("{s:s,s:s,s:s}", "Key", key, "Summary", card ? card->summary : "",
			 "Status", card ? card->status : "");
}

static int str_ptr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct repositories of commits [lo, hi), sorted. */
static json_t *repos_json(const reportdata *d, size_t lo, size_t hi)
{
	json_t *arr = json_array();
	if (hi <= lo)
		return arr;
	const char **r = xmalloc((hi - lo) * sizeof *r);
	for (size_t i = lo; i < hi; i++)
		r[i - lo] = d->c[i].repo;
	qsort(r, hi - lo, sizeof *r, str_ptr_cmp);
	for (size_t i = 0; i < hi - lo; i++)
		if (i == 0 || strcmp(r[i], r[i - 1]) != 0)
			json_array_append_new(arr, json_string(r[i]));
	free(r);
	return arr;
}

/* The daily object of commits [lo, hi). */
static json_t *day_json(reportdata *d, size_t lo, size_t hi, int y, int m, int day)
{
	size_t np = 0;
	pair *p = group(d, lo, hi, &np);
	json_t *cards = json_array(), *unlinked = json_array();
	json_t *card = NULL;
	for (size_t i = 0; i < np; i++) {
		if (i == 0 || strcmp(p[i].key, p[i - 1].key) != 0) {
			card = card_head(d, p[i].key);
			json_object_set_new(card, "Commits", json_array());
			json_array_append_new(cards, card);
		}
		json_array_append_new(json_object_get(card, "Commits"), commit_json(&d->c[p[i].ci]));
	}
	for (size_t i = lo; i < hi; i++)
		if (d->c[i].nkeys == 0)
			json_array_append_new(unlinked, commit_json(&d->c[i]));
	char date_s[16], pretty[64];
	snprintf(date_s, sizeof date_s, "%04d-%02d-%02d", y % 10000, m % 100, day % 100);
	reportdata_format_date(y, m, day, pretty, sizeof pretty);
	json_t *stats = json_pack("{s:I,s:I,s:o}", "TotalCommits", (json_int_t)(hi - lo),
				  "TotalCards", (json_int_t)json_array_size(cards), "Repos",
				  repos_json(d, lo, hi));
	free(p);
	return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o}", "Date", date_s, "DateFormatted", pretty,
			 "Author", d->author, "Cards", cards, "UnlinkedCommits", unlinked, "Stats",
			 stats);
}

json_t *reportdata_daily_json(reportdata *d, int year, int month, int day)
{
	return day_json(d, 0, d->n, year, month, day);
}

/* ---- monthly ---- */

static bool is_done(const char *status)
{
	static const char *const done[] = {"done", "closed", "resolved", "complete", "completed"};
	for (size_t i = 0; i < sizeof done / sizeof done[0]; i++)
		if (strcasecmp(status, done[i]) == 0)
			return true;
	return false;
}

/* A name (card key or repository) and how many commits it has. */
typedef struct tally {
	const char *name;
	size_t n;
} tally;

static int tally_key_cmp(const void *a, const void *b)
{
	const tally *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return reportdata_key_cmp(x->name, y->name);
}

static int tally_name_cmp(const void *a, const void *b)
{
	const tally *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* TopCards, and the completed count of every card of the month. */
static json_t *top_cards(const reportdata *d, const pair *p, size_t np, size_t *completed)
{
	tally *t = xmalloc((np ? np : 1) * sizeof *t);
	size_t nt = 0;
	*completed = 0;
	for (size_t i = 0; i < np; i++) {
		if (i == 0 || strcmp(p[i].key, p[i - 1].key) != 0) {
			const rcard *c = find_card(d, p[i].key);
			*completed += c && is_done(c->status);
			t[nt++] = (tally){p[i].key, 0};
		}
		t[nt - 1].n++;
	}
	qsort(t, nt, sizeof *t, tally_key_cmp);
	json_t *arr = json_array();
	for (size_t i = 0; i < nt && i < REPORTDATA_TOP_CARDS; i++) {
		json_t *c = card_head(d, t[i].name);
		json_object_set_new(c, "Commits", json_integer((json_int_t)t[i].n));
		json_array_append_new(arr, c);
	}
	free(t);
	return arr;
}

static json_t *repo_breakdown(const reportdata *d)
{
	json_t *arr = json_array();
	if (!d->n)
		return arr;
	const char **r = xmalloc(d->n * sizeof *r);
	tally *t = xmalloc(d->n * sizeof *t);
	size_t nt = 0;
	for (size_t i = 0; i < d->n; i++)
		r[i] = d->c[i].repo;
	qsort(r, d->n, sizeof *r, str_ptr_cmp);
	for (size_t i = 0; i < d->n; i++) {
		if (i == 0 || strcmp(r[i], r[i - 1]) != 0)
			t[nt++] = (tally){r[i], 0};
		t[nt - 1].n++;
	}
	qsort(t, nt, sizeof *t, tally_name_cmp);
	for (size_t i = 0; i < nt; i++)
		json_array_append_new(arr, json_pack("{s:s,s:I}", "Repo", t[i].name, "Commits",
						     (json_int_t)t[i].n));
	free(r);
	free(t);
	return arr;
}

static bool in_month(const rcommit *c, int y, int m)
{
	return c->local.year == y && c->local.month == m;
}

/* Monday-start weeks cut at the month's edges. */
static json_t *weekly(const reportdata *d, int y, int m)
{
	int dim = reporttz_days_in_month(y, m);
	int offset = (weekday(y, m, 1) + 6) % 7; /* days of week 1 before the 1st */
	int weeks = (dim + offset + 6) / 7;
	json_t *arr = json_array();
	size_t i = 0;
	for (int w = 0; w < weeks; w++) {
		int first = w * 7 - offset + 1, last = w * 7 - offset + 7;
		first = first < 1 ? 1 : first;
		last = last > dim ? dim : last;
		while (i < d->n && (!in_month(&d->c[i], y, m) || d->c[i].local.day < first))
			i++;
		size_t lo = i;
		while (i < d->n && in_month(&d->c[i], y, m) && d->c[i].local.day <= last)
			i++;
		size_t np = 0;
		pair *p = group(d, lo, i, &np);
		char start[40], end[40];
		snprintf(start, sizeof start, "%04d-%02d-%02d", y % 10000, m % 100, first);
		snprintf(end, sizeof end, "%04d-%02d-%02d", y % 10000, m % 100, last);
		json_array_append_new(arr, json_pack("{s:i,s:s,s:s,s:I,s:I}", "Week", w + 1,
						     "StartDate", start, "EndDate", end, "Commits",
						     (json_int_t)(i - lo), "Cards",
						     (json_int_t)distinct_keys(p, np)));
		free(p);
	}
	return arr;
}

static json_t *daily_reports(reportdata *d, int y, int m)
{
	json_t *arr = json_array();
	for (size_t lo = 0, hi; lo < d->n; lo = hi) {
		const reporttz_tm *t = &d->c[lo].local;
		for (hi = lo + 1; hi < d->n && d->c[hi].local.day == t->day &&
				  d->c[hi].local.month == t->month && d->c[hi].local.year == t->year;
		     hi++)
			;
		if (in_month(&d->c[lo], y, m))
			json_array_append_new(arr, day_json(d, lo, hi, t->year, t->month, t->day));
	}
	return arr;
}

json_t *reportdata_monthly_json(reportdata *d, int year, int month)
{
	size_t np = 0, completed = 0;
	pair *p = group(d, 0, d->n, &np);
	size_t ncards = distinct_keys(p, np);
	json_t *top = top_cards(d, p, np, &completed);
	free(p);
	json_t *o = json_pack("{s:i,s:i,s:s,s:s,s:I,s:I,s:I,s:I}", "Month", month, "Year", year,
			      "MonthName", month_names[(month - 1) % 12], "Author", d->author,
			      "TotalCommits", (json_int_t)d->n, "TotalCards", (json_int_t)ncards,
			      "CardsCompleted", (json_int_t)completed, "CardsInProgress",
			      (json_int_t)(ncards - completed));
	json_object_set_new(o, "WeeklyBreakdown", weekly(d, year, month));
	json_object_set_new(o, "RepoBreakdown", repo_breakdown(d));
	json_object_set_new(o, "TopCards", top);
	json_object_set_new(o, "DailyReports", daily_reports(d, year, month));
	return o;
}
