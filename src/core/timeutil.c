#include "core/timeutil.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

/* 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: what four digits can say. */
#define MIN_UNIX INT64_C(-62167219200)
#define MAX_UNIX INT64_C(253402300799)
#define SECS_PER_DAY INT64_C(86400)
#define U63 (UINT64_C(1) << 63)

int64_t timeutil_now(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec;
}

int64_t timeutil_mono_ms(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

/* ---- durations: a line-by-line port of Go's time.ParseDuration ---- */

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{"ns", 1},
	{"us", 1000},
	{"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
	{"\xce\xbcs", 1000}, /* U+03BC Greek small letter mu */
	{"ms", 1000000},
	{"s", UINT64_C(1000000000)},
	{"m", UINT64_C(60000000000)},
	{"h", UINT64_C(3600000000000)},
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Consumes [0-9]*; false on overflow past 2^63 (Go's leadingInt). */
static bool leading_int(const char **sp, uint64_t *out)
{
	const char *s = *sp;
	uint64_t x = 0;
	for (; is_digit(*s); s++) {
		if (x > U63 / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > U63)
			return false;
	}
	*sp = s;
	*out = x;
	return true;
}

/* Consumes [0-9]*, silently dropping precision on overflow (Go's leadingFraction). */
static void leading_fraction(const char **sp, uint64_t *out, double *scale)
{
	const char *s = *sp;
	uint64_t x = 0;
	bool overflow = false;
	*scale = 1;
	for (; is_digit(*s); s++) {
		if (overflow)
			continue;
		if (x > (U63 - 1) / 10) {
			overflow = true;
			continue;
		}
		uint64_t y = x * 10 + (uint64_t)(*s - '0');
		if (y > U63) {
			overflow = true;
			continue;
		}
		x = y;
		*scale *= 10;
	}
	*sp = s;
	*out = x;
}

static bool lookup_unit(const char *u, size_t n, uint64_t *out)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strlen(units[i].name) == n && memcmp(units[i].name, u, n) == 0) {
			*out = units[i].ns;
			return true;
		}
	}
	return false;
}

/* One "<number><unit>" component; adds its value to *total (<= 2^63). */
static bool parse_component(const char **sp, uint64_t *total)
{
	const char *s = *sp;
	uint64_t v = 0, f = 0, unit = 0;
	double scale = 1;
	if (!(*s == '.' || is_digit(*s)))
		return false;
	const char *start = s;
	if (!leading_int(&s, &v))
		return false;
	bool pre = s != start;
	bool post = false;
	if (*s == '.') {
		s++;
		const char *fstart = s;
		leading_fraction(&s, &f, &scale);
		post = s != fstart;
	}
	if (!pre && !post)
		return false;
	const char *u = s;
	while (*s && *s != '.' && !is_digit(*s))
		s++;
	if (s == u || !lookup_unit(u, (size_t)(s - u), &unit))
		return false;
	if (v > U63 / unit)
		return false;
	v *= unit;
	if (f > 0) {
		/* double is what Go uses; f/scale < 1 so this is < 3.6e12 */
		v += (uint64_t)((double)f * ((double)unit / scale));
		if (v > U63)
			return false;
	}
	*total += v;
	if (*total > U63)
		return false;
	*sp = s;
	return true;
}

pdt_err timeutil_parse_duration(const char *s, int64_t *out_ns)
{
	uint64_t d = 0;
	bool neg = false;
	if (!s)
		return PDT_EINVAL;
	if (*s == '-' || *s == '+') {
		neg = *s == '-';
		s++;
	}
	if (strcmp(s, "0") == 0) {
		*out_ns = 0;
		return PDT_OK;
	}
	if (*s == '\0')
		return PDT_EINVAL;
	while (*s) {
		if (!parse_component(&s, &d))
			return PDT_EINVAL;
	}
	if (neg) {
		*out_ns = d == U63 ? INT64_MIN : -(int64_t)d;
		return PDT_OK;
	}
	if (d > U63 - 1)
		return PDT_EINVAL;
	*out_ns = (int64_t)d;
	return PDT_OK;
}

/* ---- civil dates (Howard Hinnant's algorithms, proleptic Gregorian) ---- */

int64_t timeutil_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                   /* [0, 399] */
	int64_t mp = m > 2 ? (int64_t)m - 3 : (int64_t)m + 9;          /* [0, 11] */
	int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;             /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                 /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);          /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                               /* [0, 11] */
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

void timeutil_format_rfc3339(int64_t unix_s, char out[TIMEUTIL_RFC3339_LEN])
{
	if (unix_s < MIN_UNIX)
		unix_s = MIN_UNIX;
	if (unix_s > MAX_UNIX)
		unix_s = MAX_UNIX;
	int64_t days = floor_div(unix_s, SECS_PER_DAY);
	int64_t secs = unix_s - days * SECS_PER_DAY;
	int64_t y;
	unsigned mo, d;
	civil_from_days(days, &y, &mo, &d);
	unsigned hh = (unsigned)(secs / 3600);
	unsigned mi = (unsigned)(secs / 60 % 60);
	unsigned ss = (unsigned)(secs % 60);
	snprintf(out, TIMEUTIL_RFC3339_LEN, "%04u-%02u-%02uT%02u:%02u:%02uZ",
		 (unsigned)y % 10000u, mo % 100u, d % 100u, hh % 100u, mi % 100u, ss % 100u);
}

/* ---- RFC 3339 parsing: a pointer that advances over fixed-width fields ---- */

/* Reads exactly n digits. */
static bool read_num(const char **sp, int n, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0;
	for (int i = 0; i < n; i++, s++) {
		if (!is_digit(*s))
			return false;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*sp = s;
	*out = v;
	return true;
}

static bool expect(const char **sp, char c)
{
	if (**sp != c)
		return false;
	(*sp)++;
	return true;
}

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

typedef struct civil {
	unsigned y, mo, d, h, mi, s;
} civil;

static bool parse_date_time(const char **sp, civil *c)
{
	const char *s = *sp;
	if (!read_num(&s, 4, &c->y) || !expect(&s, '-') || !read_num(&s, 2, &c->mo) ||
	    !expect(&s, '-') || !read_num(&s, 2, &c->d))
		return false;
	if (*s != 'T' && *s != 't')
		return false;
	s++;
	if (!read_num(&s, 2, &c->h) || !expect(&s, ':') || !read_num(&s, 2, &c->mi) ||
	    !expect(&s, ':') || !read_num(&s, 2, &c->s))
		return false;
	if (c->mo < 1 || c->mo > 12 || c->d < 1 || c->d > days_in_month(c->y, c->mo))
		return false;
	if (c->h > 23 || c->mi > 59 || c->s > 59)
		return false;
	if (*s == '.') {
		s++;
		if (!is_digit(*s))
			return false;
		while (is_digit(*s))
			s++;
	}
	*sp = s;
	return true;
}

/* "Z", "+hh:mm" or "+hhmm" (also '-'), then the end of the string. */
static bool parse_offset(const char *s, int64_t *off_s)
{
	if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
		*off_s = 0;
		return true;
	}
	if (*s != '+' && *s != '-')
		return false;
	int sign = *s == '-' ? -1 : 1;
	unsigned oh, om;
	s++;
	if (!read_num(&s, 2, &oh))
		return false;
	if (*s == ':')
		s++;
	if (!read_num(&s, 2, &om) || *s != '\0')
		return false;
	if (oh > 23 || om > 59)
		return false;
	*off_s = sign * (int64_t)(oh * 3600 + om * 60);
	return true;
}

pdt_err timeutil_parse_rfc3339(const char *s, int64_t *out_unix)
{
	civil c;
	int64_t off;
	if (!s || !parse_date_time(&s, &c) || !parse_offset(s, &off))
		return PDT_EINVAL;
	int64_t days = timeutil_days_from_civil((int64_t)c.y, c.mo, c.d);
	int64_t t = days * SECS_PER_DAY + (int64_t)(c.h * 3600 + c.mi * 60 + c.s);
	*out_unix = t - off;
	return PDT_OK;
}
