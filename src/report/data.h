#ifndef PDT_REPORT_DATA_H
#define PDT_REPORT_DATA_H
/*
 * report/data: the data a report template sees (a jansson object), built
 * from one user's commits, manual links and Jira cards.
 *
 * Daily (one local day in REPORT_TIMEZONE, see report/tz.h):
 *   Date "2006-01-02", DateFormatted "Monday, 02 January 2006", Author
 *   (the user's email), Cards[] {Key, Summary, Status, Commits[]},
 *   UnlinkedCommits[], Stats {TotalCommits, TotalCards, Repos[]}.
 *   A commit is {SHA (8 chars), Message (first line; past 80 characters,
 *   its first 77 and "..."), Branch, Repo ("owner/name"), Time ("15:04",
 *   local), Date ("2006-01-02", local)}.
 * Monthly (one local month):
 *   Month (1..12), Year, MonthName ("January"), Author, TotalCommits,
 *   TotalCards, CardsCompleted, CardsInProgress, WeeklyBreakdown[]
 *   {Week, StartDate, EndDate, Commits, Cards}, RepoBreakdown[] {Repo,
 *   Commits}, TopCards[] {Key, Summary, Status, Commits (a count)},
 *   DailyReports[] (the daily object of each day that has commits).
 *
 * Grouping: a commit goes under the card of the key extracted from its
 * message and under every card it is manually linked to (each card once);
 * a commit with neither is unlinked. Order is stable: cards by key in
 * natural order (project, then number: PROJ-2 before PROJ-10), commits
 * oldest first (ties by id), repositories by name; RepoBreakdown and
 * TopCards by count, descending, then by name/key; TopCards keeps the first
 * REPORTDATA_TOP_CARDS. A card counts as completed when its status is Done,
 * Closed, Resolved, Complete or Completed (any case); every other card of
 * the month, unknown ones included, as in progress. Weeks start on Monday
 * and are cut at the month's edges (Week 1 is the one holding the 1st).
 * Summary and Status are "" for a key pdt has no card for. Text that is not
 * valid UTF-8 has each bad byte replaced by U+FFFD.
 *
 * Ownership: the builder owns what it collects; *_json return a new
 * reference the caller json_decref's.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/store_reports.h"

#define REPORTDATA_MSG_MAX 80   /* longer first lines are cut... */
#define REPORTDATA_MSG_KEEP 77  /* ...to this many characters and "..." */
#define REPORTDATA_TOP_CARDS 10

typedef struct reportdata reportdata;

/* A builder for one user; author is copied. */
reportdata *reportdata_new(const char *author);
void reportdata_free(reportdata *d);
/* The store callbacks that fill it (store_report_read's source). */
store_report_source reportdata_source(reportdata *d);

/* Loads the user's commits in [from, to) with their links, and the cards. */
pdt_err reportdata_load(reportdata *d, store *s, int64_t user_id, int64_t from, int64_t to);

/* The daily object for local day y-m-d (all collected commits). */
json_t *reportdata_daily_json(reportdata *d, int year, int month, int day);
/* The monthly object for local month y-m (all collected commits). */
json_t *reportdata_monthly_json(reportdata *d, int year, int month);
/* Commits collected so far, and cards the daily object lists. */
size_t reportdata_commit_count(const reportdata *d);

/* Pure helpers (unit tested). */
/* The first line of msg, cut as above, valid UTF-8; caller frees. */
char *reportdata_message(const char *msg);
/* strcmp-like natural order of Jira keys: project, then the number. */
int reportdata_key_cmp(const char *a, const char *b);
/* A copy of s[0..n) with each byte that is not valid UTF-8 replaced by
 * U+FFFD; caller frees. */
char *reportdata_valid_text(const char *s, size_t n);
/* "Monday, 02 January 2006" for a date. */
void reportdata_format_date(int year, int month, int day, char *out, size_t outlen);

#endif
