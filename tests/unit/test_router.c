#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "http/router.h"

static void h(void *app, http_req *req, http_resp *resp)
{
	(void)app;
	(void)req;
	(void)resp;
}

static const http_route table[] = {
	{HTTP_GET, "/healthz", h, 0, 0},
	{HTTP_GET, "/api/repos", h, HTTP_AUTH, 0},
	{HTTP_POST, "/api/repos", h, HTTP_AUTH | HTTP_JSON, 0},
	{HTTP_DELETE, "/api/repos/:id", h, HTTP_AUTH, 0},
	{HTTP_POST, "/api/repos/:id/validate", h, HTTP_AUTH, 0},
	{HTTP_GET, "/api/commits/missing", h, HTTP_AUTH, 0},
	{HTTP_POST, "/api/commits/:sha/link", h, HTTP_AUTH, 0},
};
#define N (sizeof table / sizeof table[0])

static router_result m(http_method meth, const char *path, const http_route **r, char **p,
		       size_t *np)
{
	return router_match(table, N, meth, path, r, p, np);
}

static void free_params(char **p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
}

static void test_literal_and_params(void **state)
{
	(void)state;
	const http_route *r = NULL;
	char *p[HTTP_MAX_PARAMS] = {0};
	size_t np = 0;
	assert_int_equal(m(HTTP_GET, "/healthz", &r, p, &np), ROUTER_MATCH);
	assert_ptr_equal(r, &table[0]);
	assert_int_equal(np, 0);
	assert_int_equal(m(HTTP_DELETE, "/api/repos/42", &r, p, &np), ROUTER_MATCH);
	assert_ptr_equal(r, &table[3]);
	assert_int_equal(np, 1);
	assert_string_equal(p[0], "42");
	free_params(p, np);
	assert_int_equal(m(HTTP_POST, "/api/commits/abc123/link", &r, p, &np), ROUTER_MATCH);
	assert_ptr_equal(r, &table[6]);
	assert_string_equal(p[0], "abc123");
	free_params(p, np);
	/* A literal route wins over nothing: "missing" is not a parameter here. */
	assert_int_equal(m(HTTP_GET, "/api/commits/missing", &r, p, &np), ROUTER_MATCH);
	assert_ptr_equal(r, &table[5]);
}

static void test_method_and_path_errors(void **state)
{
	(void)state;
	const http_route *r = NULL;
	char *p[HTTP_MAX_PARAMS] = {0};
	size_t np = 0;
	assert_int_equal(m(HTTP_PUT, "/api/repos", &r, p, &np), ROUTER_BAD_METHOD);
	assert_null(r);
	assert_int_equal(m(HTTP_GET, "/api/repos/7", &r, p, &np), ROUTER_BAD_METHOD);
	assert_int_equal(m(HTTP_GET, "/api/nothing", &r, p, &np), ROUTER_NO_PATH);
	assert_int_equal(m(HTTP_GET, "/api/repos/", &r, p, &np), ROUTER_NO_PATH);
	assert_int_equal(m(HTTP_DELETE, "/api/repos//validate", &r, p, &np), ROUTER_NO_PATH);
	assert_int_equal(m(HTTP_GET, "/healthz/", &r, p, &np), ROUTER_NO_PATH);
	assert_int_equal(m(HTTP_GET, "healthz", &r, p, &np), ROUTER_NO_PATH);
	assert_int_equal(m(HTTP_GET, "", &r, p, &np), ROUTER_NO_PATH);
	assert_int_equal(m(HTTP_GET, "/", &r, p, &np), ROUTER_NO_PATH);
	assert_int_equal(np, 0);
}

static void test_long_path(void **state)
{
	(void)state;
	const http_route *r = NULL;
	char *p[HTTP_MAX_PARAMS] = {0};
	size_t np = 0;
	char *big = malloc(HTTP_MAX_PATH + 20);
	memcpy(big, "/api/repos/", 11);
	memset(big + 11, '1', HTTP_MAX_PATH);
	big[HTTP_MAX_PATH + 11] = '\0';
	assert_int_equal(m(HTTP_DELETE, big, &r, p, &np), ROUTER_NO_PATH);
	assert_false(router_path_known(table, N, big));
	free(big);
	assert_true(router_path_known(table, N, "/api/repos/9/validate"));
}

/* The real table: /api/reports' static segments (generate, templates,
 * preview) are not taken for :id, which only GET and DELETE have. */
static void test_report_routes(void **state)
{
	(void)state;
	size_t n = 0;
	const http_route *t = api_routes(&n), *r = NULL;
	static const struct {
		http_method meth;
		const char *path;
		http_handler want;
	} cases[] = {
		{HTTP_POST, "/api/reports/generate", api_reports_generate},
		{HTTP_POST, "/api/reports/generate/monthly", api_reports_generate_monthly},
		{HTTP_GET, "/api/reports", api_reports_list},
		{HTTP_GET, "/api/reports/templates", api_templates_list},
		{HTTP_POST, "/api/reports/templates", api_templates_create},
		{HTTP_POST, "/api/reports/templates/preview", api_templates_preview},
		{HTTP_PUT, "/api/reports/templates/3", api_templates_update},
		{HTTP_DELETE, "/api/reports/templates/3", api_templates_delete},
		{HTTP_GET, "/api/reports/3", api_reports_get},
		{HTTP_DELETE, "/api/reports/3", api_reports_delete},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *p[HTTP_MAX_PARAMS] = {0};
		size_t np = 0;
		assert_int_equal(router_match(t, n, cases[i].meth, cases[i].path, &r, p, &np),
				 ROUTER_MATCH);
		if (r->handler != cases[i].want)
			fail_msg("%s routed to the wrong handler", cases[i].path);
		assert_true(r->flags & HTTP_AUTH);
		free_params(p, np);
	}
	char *p[HTTP_MAX_PARAMS] = {0};
	size_t np = 0;
	assert_int_equal(router_match(t, n, HTTP_PUT, "/api/reports/templates", &r, p, &np),
			 ROUTER_BAD_METHOD);
	assert_int_equal(router_match(t, n, HTTP_GET, "/api/reports/templates/preview", &r, p, &np),
			 ROUTER_BAD_METHOD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_literal_and_params),
		cmocka_unit_test(test_method_and_path_errors),
		cmocka_unit_test(test_long_path),
		cmocka_unit_test(test_report_routes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
