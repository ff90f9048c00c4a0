#include "core/metrics.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

typedef struct series {
	char *name;
	char *labels; /* rendered: route="/api/repos",status="200" */
	int64_t value;
} series;

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static series table[METRICS_MAX_SERIES];
static size_t used;
static int64_t dropped;

/* Prometheus label value escaping: backslash, double quote, newline. */
static void escape_into(buf *b, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			buf_appendc(b, '\\');
		if (*v == '\n') {
			buf_append(b, "\\n", 2);
			continue;
		}
		buf_appendc(b, *v);
	}
}

static char *render_labels(const char *l1, const char *v1, const char *l2, const char *v2)
{
	buf b = BUF_INIT(1024);
	if (l1) {
		buf_appendf(&b, "%s=\"", l1);
		escape_into(&b, v1 ? v1 : "");
		buf_appendc(&b, '"');
	}
	if (l1 && l2) {
		buf_appendf(&b, ",%s=\"", l2);
		escape_into(&b, v2 ? v2 : "");
		buf_appendc(&b, '"');
	}
	return buf_detach(&b);
}

static size_t hash2(const char *a, const char *b)
{
	size_t h = 1469598103934665603ull;
	for (; *a; a++)
		h = (h ^ (unsigned char)*a) * 1099511628211ull;
	for (; *b; b++)
		h = (h ^ (unsigned char)*b) * 1099511628211ull;
	return h;
}

void metrics_add(const char *name, const char *l1, const char *v1, const char *l2,
		 const char *v2, int64_t by)
{
	char *labels = render_labels(l1, v1, l2, v2);
	pthread_mutex_lock(&mu);
	size_t i = hash2(name, labels) % METRICS_MAX_SERIES;
	for (size_t probes = 0; probes < METRICS_MAX_SERIES; probes++) {
		series *s = &table[(i + probes) % METRICS_MAX_SERIES];
		if (!s->name) {
			if (used >= METRICS_MAX_SERIES * 3 / 4) {
				dropped++;
				break;
			}
			s->name = xstrdup(name);
			s->labels = labels;
			labels = NULL;
			s->value = by;
			used++;
			break;
		}
		if (strcmp(s->name, name) == 0 && strcmp(s->labels, labels) == 0) {
			s->value += by;
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	free(labels);
}

static int by_name(const void *a, const void *b)
{
	const series *x = *(series *const *)a, *y = *(series *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : strcmp(x->labels, y->labels);
}

pdt_err metrics_render(buf *out)
{
	pdt_err rc = PDT_OK;
	pthread_mutex_lock(&mu);
	series **v = xcalloc(used ? used : 1, sizeof *v);
	size_t n = 0;
	for (size_t i = 0; i < METRICS_MAX_SERIES; i++)
		if (table[i].name)
			v[n++] = &table[i];
	qsort(v, n, sizeof *v, by_name);
	for (size_t i = 0; i < n && !rc; i++) {
		if (i == 0 || strcmp(v[i]->name, v[i - 1]->name) != 0)
			rc = buf_appendf(out, "# TYPE %s counter\n", v[i]->name);
		if (!rc)
			rc = buf_appendf(out, "%s{%s} %lld\n", v[i]->name, v[i]->labels,
					 (long long)v[i]->value);
	}
	if (!rc)
		rc = buf_appendf(out, "# TYPE pdt_metrics_dropped_series_total counter\n"
				 "pdt_metrics_dropped_series_total %lld\n", (long long)dropped);
	pthread_mutex_unlock(&mu);
	free(v);
	return rc;
}

pdt_err metrics_render_gauge(buf *out, const char *name, const char *help, int64_t value)
{
	return buf_appendf(out, "# HELP %s %s\n# TYPE %s gauge\n%s %lld\n", name, help, name, name,
			   (long long)value);
}

void metrics_reset(void)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < METRICS_MAX_SERIES; i++) {
		free(table[i].name);
		free(table[i].labels);
		memset(&table[i], 0, sizeof table[i]);
	}
	used = 0;
	dropped = 0;
	pthread_mutex_unlock(&mu);
}
