#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/metrics.h"

static void test_counts_and_render(void **state)
{
	(void)state;
	metrics_reset();
	metrics_inc("pdt_x_total", "route", "/a", "status", "200");
	metrics_inc("pdt_x_total", "route", "/a", "status", "200");
	metrics_add("pdt_x_total", "route", "/b", "status", "404", 5);
	metrics_inc("pdt_y_total", "source", "we\"ird\\\nvalue", NULL, NULL);
	metrics_inc("pdt_z_total", NULL, NULL, NULL, NULL);
	buf b = BUF_INIT(1 << 20);
	assert_int_equal(metrics_render(&b), PDT_OK);
	const char *t = buf_str(&b);
	assert_non_null(strstr(t, "# TYPE pdt_x_total counter\n"));
	assert_non_null(strstr(t, "pdt_x_total{route=\"/a\",status=\"200\"} 2\n"));
	assert_non_null(strstr(t, "pdt_x_total{route=\"/b\",status=\"404\"} 5\n"));
	assert_non_null(strstr(t, "pdt_y_total{source=\"we\\\"ird\\\\\\nvalue\"} 1\n"));
	assert_non_null(strstr(t, "pdt_z_total{} 1\n"));
	/* One TYPE line per metric name. */
	const char *first = strstr(t, "# TYPE pdt_x_total");
	assert_null(strstr(first + 1, "# TYPE pdt_x_total"));
	buf_release(&b);
}

static void test_table_is_bounded(void **state)
{
	(void)state;
	metrics_reset();
	char v[32];
	for (int i = 0; i < METRICS_MAX_SERIES * 2; i++) {
		snprintf(v, sizeof v, "%d", i);
		metrics_inc("pdt_many_total", "i", v, NULL, NULL);
	}
	buf b = BUF_INIT(4 << 20);
	assert_int_equal(metrics_render(&b), PDT_OK);
	const char *d = strstr(buf_str(&b), "\npdt_metrics_dropped_series_total ");
	assert_non_null(d);
	long long dropped = 0;
	assert_int_equal(sscanf(d + 1, "pdt_metrics_dropped_series_total %lld", &dropped), 1);
	assert_true(dropped >= METRICS_MAX_SERIES);
	buf_release(&b);
	metrics_reset();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_and_render),
		cmocka_unit_test(test_table_is_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
