/* Unit tests for store_reports.h on SQLite: one default template per user,
 * replace-on-save, the automatic generation's once-only claim, listing
 * order and range, scoping, and the rows a report is built from. */
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store/store.h"
#include "store/store_reports.h"
#include "testdb.h"

typedef struct fixture {
	char dir[512];
	store *s;
	int64_t alice, bob, repo;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (!f || testdb_open("test_store_reports", 3, f->dir, sizeof f->dir, &f->s))
		return -1;
	store_user u = {0};
	store_repo r = {0};
	assert_int_equal(store_user_create(f->s, "a@example.com", "", "x", 1, &u), PDT_OK);
	f->alice = u.id;
	store_user_release(&u);
	assert_int_equal(store_user_create(f->s, "b@example.com", "", "x", 1, &u), PDT_OK);
	f->bob = u.id;
	store_user_release(&u);
	assert_int_equal(store_repo_create(f->s, f->alice, "app", "octo", "github",
					   "https://github.com/octo/app", 1, &r), PDT_OK);
	f->repo = r.id;
	store_repo_release(&r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	store_close(f->s);
	testdb_rm_tree(f->dir);
	free(f);
	return 0;
}

static void test_one_default_template(void **state)
{
	fixture *f = *state;
	store_template a = {0}, b = {0}, d = {0};
	assert_int_equal(store_template_default(f->s, f->alice, &d), PDT_ENOTFOUND);
	assert_int_equal(store_template_create(f->s, f->alice, "a", "A", true, 10, &a), PDT_OK);
	assert_int_equal(store_template_create(f->s, f->alice, "b", "B", true, 11, &b), PDT_OK);
	assert_int_equal(store_template_default(f->s, f->alice, &d), PDT_OK);
	assert_int_equal(d.id, b.id);
	store_template_release(&d);
	store_template_release(&b);
	/* Back to a: b stops being the default; name and content unchanged. */
	assert_int_equal(store_template_update(f->s, f->alice, a.id, NULL, NULL, 1, 12, &b), PDT_OK);
	assert_true(b.is_default);
	assert_string_equal(b.content, "A");
	assert_int_equal(b.updated_at, 12);
	store_template_release(&b);
	struct store_template_list l = {0};
	assert_int_equal(store_template_list(f->s, f->alice, &l), PDT_OK);
	assert_int_equal(l.n, 2);
	assert_true(l.items[0].is_default && !l.items[1].is_default);
	store_template_list_release(&l);
	/* Another user's template is not found, and not changed. */
	assert_int_equal(store_template_update(f->s, f->bob, a.id, "x", NULL, 1, 13, &b),
			 PDT_ENOTFOUND);
	assert_int_equal(store_template_delete(f->s, f->bob, a.id), PDT_ENOTFOUND);
	assert_int_equal(store_template_default(f->s, f->bob, &d), PDT_ENOTFOUND);
	assert_int_equal(store_template_delete(f->s, f->alice, a.id), PDT_OK);
	store_template_release(&a);
}

static pdt_err save(fixture *f, int64_t user, const char *type, const char *period,
		    const char *content, bool automatic, bool *replaced, int64_t *id)
{
	store_report r = {0};
	store_report_in in = {.user_id = user, .report_type = type, .period = period,
			      .title = "t", .content = content, .automatic = automatic};
	pdt_err rc = store_report_save(f->s, &in, 100, &r, replaced);
	if (id)
		*id = r.id;
	store_report_release(&r);
	return rc;
}

static void test_save_replace_and_automatic_once(void **state)
{
	fixture *f = *state;
	bool replaced = true;
	int64_t id1 = 0, id2 = 0;
	assert_int_equal(save(f, f->alice, "daily", "2026-03-02", "one", false, &replaced, &id1),
			 PDT_OK);
	assert_false(replaced);
	assert_int_equal(save(f, f->alice, "daily", "2026-03-02", "two", false, &replaced, &id2),
			 PDT_OK);
	assert_true(replaced);
	assert_int_equal(id1, id2);
	/* Automatic: the first save of a period claims it, a second (a restart,
	 * another replica) gets PDT_ECONFLICT and changes nothing. */
	assert_int_equal(save(f, f->alice, "daily", "2026-03-03", "auto", true, NULL, NULL), PDT_OK);
	assert_int_equal(save(f, f->alice, "daily", "2026-03-03", "again", true, NULL, NULL),
			 PDT_ECONFLICT);
	assert_int_equal(save(f, f->alice, "daily", "2026-03-01", "older", true, NULL, NULL),
			 PDT_ECONFLICT);
	char daily[16], monthly[16];
	assert_int_equal(store_report_auto_state(f->s, f->alice, daily, monthly), PDT_OK);
	assert_string_equal(daily, "2026-03-03");
	assert_string_equal(monthly, "");
	assert_int_equal(save(f, f->alice, "monthly", "2026-02", "m", true, NULL, NULL), PDT_OK);
	assert_int_equal(store_report_auto_state(f->s, f->alice, daily, monthly), PDT_OK);
	assert_string_equal(monthly, "2026-02");
	assert_int_equal(store_report_auto_state(f->s, f->bob, daily, monthly), PDT_OK);
	assert_string_equal(daily, "");
	/* Listing: newest first, a month counted as its 1st, from/to inclusive. */
	struct store_report_list l = {0};
	assert_int_equal(store_report_list(f->s, f->alice, NULL, NULL, &l), PDT_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.items[0].period, "2026-03-03");
	assert_string_equal(l.items[0].content, "auto");
	assert_string_equal(l.items[1].period, "2026-03-02");
	assert_string_equal(l.items[1].content, "two");
	assert_string_equal(l.items[2].period, "2026-02");
	store_report_list_release(&l);
	assert_int_equal(store_report_list(f->s, f->alice, "2026-02-01", "2026-03-02", &l), PDT_OK);
	assert_int_equal(l.n, 2);
	store_report_list_release(&l);
	assert_int_equal(store_report_list(f->s, f->bob, NULL, NULL, &l), PDT_OK);
	assert_int_equal(l.n, 0);
	store_report_list_release(&l);
	store_report r = {0};
	assert_int_equal(store_report_get(f->s, f->bob, id1, &r), PDT_ENOTFOUND);
	assert_int_equal(store_report_set_file_url(f->s, f->bob, id1, "x"), PDT_ENOTFOUND);
	assert_int_equal(store_report_set_file_url(f->s, f->alice, id1, "https://x/y.md"), PDT_OK);
	assert_int_equal(store_report_get(f->s, f->alice, id1, &r), PDT_OK);
	assert_string_equal(r.file_url, "https://x/y.md");
	store_report_release(&r);
	assert_int_equal(store_report_delete(f->s, f->bob, id1), PDT_ENOTFOUND);
	assert_int_equal(store_report_delete(f->s, f->alice, id1), PDT_OK);
	assert_int_equal(store_report_delete(f->s, f->alice, id1), PDT_ENOTFOUND);
}

typedef struct seen {
	int commits, links, cards;
	char keys[256];
} seen;

static void on_commit(const store_report_commit *c, void *ctx)
{
	seen *s = ctx;
	s->commits++;
	size_t n = strlen(s->keys);
	snprintf(s->keys + n, sizeof s->keys - n, "%s/%s:%s;", c->repo_owner, c->repo_name,
		 c->jira_card_key);
}

static void on_link(int64_t id, const char *key, void *ctx)
{
	seen *s = ctx;
	(void)id;
	s->links++;
	size_t n = strlen(s->keys);
	snprintf(s->keys + n, sizeof s->keys - n, "L%s;", key);
}

static void on_card(const char *key, const char *summary, const char *status, void *ctx)
{
	(void)key;
	(void)summary;
	(void)status;
	((seen *)ctx)->cards++;
}

static void test_read_range_links_and_users(void **state)
{
	fixture *f = *state;
	store_commit_in in[] = {
		{.sha = "a1", .message = "PROJ-1 x", .date = 1000, .jira_card_key = "PROJ-1"},
		{.sha = "a2", .message = "y", .date = 2000},
		{.sha = "a3", .message = "z", .date = 3000},
	};
	store_link l = {0};
	assert_int_equal(store_commit_insert_batch(f->s, f->repo, in, 3, 5, NULL), PDT_OK);
	assert_int_equal(store_commit_link(f->s, f->alice, "a2", "OPS-9", 6, &l), PDT_OK);
	store_link_release(&l);
	seen s = {0};
	store_report_source src = {on_commit, on_link, on_card, &s};
	assert_int_equal(store_report_read(f->s, f->alice, 1000, 3000, &src), PDT_OK);
	assert_int_equal(s.commits, 2); /* [from, to) */
	assert_string_equal(s.keys, "octo/app:PROJ-1;octo/app:;LOPS-9;");
	assert_int_equal(s.cards, 0);
	memset(&s, 0, sizeof s);
	assert_int_equal(store_report_read(f->s, f->bob, 0, 10000, &src), PDT_OK);
	assert_int_equal(s.commits + s.links, 0);
	int64_t *ids = NULL;
	size_t n = 0;
	assert_int_equal(store_report_users_with_commits(f->s, 2500, 4000, &ids, &n), PDT_OK);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], f->alice);
	free(ids);
	assert_int_equal(store_report_users_with_commits(f->s, 4000, 5000, &ids, &n), PDT_OK);
	assert_int_equal(n, 0);
	free(ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_default_template, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_replace_and_automatic_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_range_links_and_users, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
