/* Unit tests for core/config: environment + .env, strict values, one-line errors. */
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

#include "core/config.h"
#include "core/timeutil.h"

#define KEY_HEX "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const char *all_vars[] = {
	"SERVER_ADDR", "SERVER_PORT", "DATABASE_URL", "JWT_SECRET", "JWT_EXPIRY_HOURS",
	"ENCRYPTION_KEY", "SYNC_ENABLED", "SYNC_INTERVAL_COMMITS", "SYNC_INTERVAL_JIRA",
	"SYNC_LOOKBACK_DAYS", "SYNC_CONCURRENCY", "GITHUB_API_URL", "SHUTDOWN_TIMEOUT",
	"CORS_ALLOWED_ORIGINS", "HTTP_THREADS", "LOG_LEVEL", "UPSTREAM_TIMEOUT",
	"JIRA_FIRST_SYNC_TIMEOUT", "SYNC_WAIT", "SYNC_MAX_WAIT", "METRICS_TOKEN",
	"REGISTRATION_ENABLED", "UPSTREAM_ALLOW_LOOPBACK", "UPSTREAM_ALLOW_HTTP",
	"UPSTREAM_DENY_PRIVATE", "REPORT_AUTO_GENERATE", "REPORT_AUTO_TIME",
	"REPORT_MONTHLY_AUTO_TIME", "REPORT_TIMEZONE", "R2_ACCOUNT_ID", "R2_ACCESS_KEY_ID",
	"R2_SECRET_ACCESS_KEY", "R2_BUCKET_NAME", "R2_PUBLIC_DOMAIN", "S3_ENDPOINT", "S3_REGION",
	"DATABASE_POOL_SIZE",
	"SYNC_LEASE_TTL",
};

static int clear_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof all_vars / sizeof all_vars[0]; i++)
		unsetenv(all_vars[i]);
	return 0;
}

/* Writes text to a fresh file under the test temp dir; returns its path (caller frees). */
static char *write_temp(const char *text, size_t len)
{
	const char *dir = getenv("PDT_TEST_TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	mkdir(dir, 0700);
	size_t n = strlen(dir) + 32;
	char *path = malloc(n);
	assert_non_null(path);
	snprintf(path, n, "%s/envXXXXXX", dir);
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static void remove_temp(char *path)
{
	unlink(path);
	free(path);
}

static void test_defaults(void **state)
{
	(void)state;
	config c;
	char err[256] = "";
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_string_equal(err, "");
	assert_string_equal(c.server_addr, "0.0.0.0");
	assert_int_equal(c.server_port, 8080);
	assert_string_equal(c.database_url, "sqlite://./data/pdt.db");
	assert_null(c.jwt_secret);
	assert_int_equal(c.jwt_expiry_hours, 72);
	assert_false(c.has_encryption_key);
	assert_true(c.sync_enabled);
	assert_int_equal(c.sync_interval_commits_ns, 15 * 60 * TIMEUTIL_NS_PER_S);
	assert_int_equal(c.sync_interval_jira_ns, 30 * 60 * TIMEUTIL_NS_PER_S);
	assert_int_equal(c.sync_lookback_days, 30);
	assert_int_equal(c.sync_concurrency, 4);
	assert_string_equal(c.github_api_url, "https://api.github.com");
	assert_int_equal(c.shutdown_timeout_ns, 10 * TIMEUTIL_NS_PER_S);
	assert_int_equal(c.sync_wait_ns, 25 * TIMEUTIL_NS_PER_S);
	assert_int_equal(c.sync_max_wait_ns, 60 * TIMEUTIL_NS_PER_S);
	assert_int_equal(c.sync_lease_ttl_ns, 30 * TIMEUTIL_NS_PER_S);
	assert_null(c.metrics_token);
	assert_true(c.registration_enabled);
	assert_false(c.upstream_allow_loopback);
	assert_false(c.upstream_allow_http);
	assert_false(c.upstream_deny_private);
	assert_string_equal(c.cors_allowed_origins, "*");
	assert_int_equal(c.http_threads, 8);
	/* DATABASE_POOL_SIZE unset: SQLite keeps the command's own sizing,
	 * PostgreSQL gets 8. */
	assert_int_equal(c.database_pool_size, 0);
	assert_int_equal(config_pool_size(&c, 10), 10);
	config pgc = {.database_url = (char *)"postgres://db.example/pdt"};
	assert_int_equal(config_pool_size(&pgc, 10), 8);
	assert_string_equal(c.log_level, "info");
	assert_int_equal(config_require_secrets(&c, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "JWT_SECRET: required but not set");
	config_release(&c);
	assert_null(c.server_addr);
	config_release(&c); /* released twice is fine */
}

static void test_missing_dotenv(void **state)
{
	(void)state;
	config c;
	char err[256];
	assert_int_equal(config_load(&c, "/nonexistent/dir/.env", err, sizeof err), PDT_OK);
	assert_int_equal(c.server_port, 8080);
	config_release(&c);
}

static void test_env_wins(void **state)
{
	(void)state;
	const char *text = "SERVER_PORT=9000\nJWT_SECRET=from-file\nENCRYPTION_KEY=" KEY_HEX "\n"
			   "SYNC_INTERVAL_JIRA=1h\nLOG_LEVEL=warn\n";
	char *path = write_temp(text, strlen(text));
	setenv("SERVER_PORT", "9100", 1);
	setenv("LOG_LEVEL", "", 1); /* empty counts as unset: the default, not .env */
	config c;
	char err[256];
	assert_int_equal(config_load(&c, path, err, sizeof err), PDT_OK);
	assert_int_equal(c.server_port, 9100);
	assert_string_equal(c.jwt_secret, "from-file");
	assert_true(c.has_encryption_key);
	assert_int_equal(c.encryption_key[0], 0x00);
	assert_int_equal(c.encryption_key[31], 0x1f);
	assert_int_equal(c.sync_interval_jira_ns, 3600 * TIMEUTIL_NS_PER_S);
	assert_string_equal(c.log_level, "info");
	assert_int_equal(config_require_secrets(&c, err, sizeof err), PDT_OK);
	config_release(&c);
	/* .env never leaks into the process environment */
	assert_null(getenv("JWT_SECRET"));
	remove_temp(path);
}

static void test_good_values(void **state)
{
	(void)state;
	static const struct {
		const char *name, *value;
	} env[] = {
		{"SERVER_ADDR", "127.0.0.1"},
		{"SERVER_PORT", "65535"},
		{"DATABASE_URL", "postgres://u:p@localhost:5432/pdt"},
		{"JWT_SECRET", "s"},
		{"JWT_EXPIRY_HOURS", "87600"},
		{"ENCRYPTION_KEY", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"},
		{"SYNC_ENABLED", "FALSE"},
		{"SYNC_INTERVAL_COMMITS", "1h30m"},
		{"SYNC_INTERVAL_JIRA", "500ms"},
		{"SYNC_LOOKBACK_DAYS", "3650"},
		{"SYNC_CONCURRENCY", "1"},
		{"GITHUB_API_URL", "http://127.0.0.1:9999/api/v3//"},
		{"SHUTDOWN_TIMEOUT", "1.5s"},
		{"SYNC_WAIT", "2s"},
		{"SYNC_MAX_WAIT", "1m30s"},
		{"METRICS_TOKEN", "scrape-me"},
		{"REGISTRATION_ENABLED", "false"},
		{"UPSTREAM_ALLOW_LOOPBACK", "1"},
		{"UPSTREAM_ALLOW_HTTP", "TRUE"},
		{"UPSTREAM_DENY_PRIVATE", "true"},
		{"CORS_ALLOWED_ORIGINS", "http://a.example, http://b.example"},
		{"HTTP_THREADS", "256"},
		{"DATABASE_POOL_SIZE", "32"},
		{"LOG_LEVEL", "DEBUG"},
	};
	for (size_t i = 0; i < sizeof env / sizeof env[0]; i++)
		setenv(env[i].name, env[i].value, 1);
	config c;
	char err[256];
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_string_equal(c.server_addr, "127.0.0.1");
	assert_int_equal(c.server_port, 65535);
	assert_string_equal(c.database_url, "postgres://u:p@localhost:5432/pdt");
	assert_int_equal(c.jwt_expiry_hours, 87600);
	assert_int_equal(c.encryption_key[10], 0x0a);
	assert_false(c.sync_enabled);
	assert_int_equal(c.sync_interval_commits_ns, 5400 * TIMEUTIL_NS_PER_S);
	assert_int_equal(c.sync_interval_jira_ns, 500 * TIMEUTIL_NS_PER_MS);
	assert_int_equal(c.sync_lookback_days, 3650);
	assert_int_equal(c.sync_concurrency, 1);
	assert_string_equal(c.github_api_url, "http://127.0.0.1:9999/api/v3");
	assert_int_equal(c.shutdown_timeout_ns, 1500 * TIMEUTIL_NS_PER_MS);
	assert_int_equal(c.sync_wait_ns, 2 * TIMEUTIL_NS_PER_S);
	assert_int_equal(c.sync_max_wait_ns, 90 * TIMEUTIL_NS_PER_S);
	assert_string_equal(c.metrics_token, "scrape-me");
	assert_false(c.registration_enabled);
	assert_true(c.upstream_allow_loopback);
	assert_true(c.upstream_allow_http);
	assert_true(c.upstream_deny_private);
	assert_string_equal(c.cors_allowed_origins, "http://a.example, http://b.example");
	assert_int_equal(c.http_threads, 256);
	assert_int_equal(c.database_pool_size, 32);
	assert_int_equal(config_pool_size(&c, 10), 32);
	assert_string_equal(c.log_level, "debug");
	config_release(&c);

	static const struct {
		const char *value;
		bool want;
	} bools[] = {{"true", true}, {"TRUE", true}, {"True", true}, {"1", true},
		     {"false", false}, {"False", false}, {"0", false}};
	for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
		setenv("SYNC_ENABLED", bools[i].value, 1);
		assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
		assert_int_equal(c.sync_enabled, bools[i].want);
		config_release(&c);
	}
}

static const struct {
	const char *name, *value;
	const char *message; /* exact, or NULL: only the "NAME: " prefix is checked */
} bad_values[] = {
	{"SERVER_PORT", "0", "SERVER_PORT: must be an integer 1..65535"},
	{"SERVER_PORT", "65536", "SERVER_PORT: must be an integer 1..65535"},
	{"SERVER_PORT", "abc", "SERVER_PORT: must be an integer 1..65535"},
	{"SERVER_PORT", "80x", NULL},
	{"SERVER_PORT", " 80", NULL},
	{"SERVER_PORT", "-1", NULL},
	{"SERVER_PORT", "0x50", NULL},
	{"SERVER_PORT", "99999999999999999999999", NULL},
	{"JWT_EXPIRY_HOURS", "0", "JWT_EXPIRY_HOURS: must be an integer 1..87600"},
	{"JWT_EXPIRY_HOURS", "87601", NULL},
	{"JWT_EXPIRY_HOURS", "72h", NULL},
	{"SYNC_INTERVAL_JIRA", "abc", "SYNC_INTERVAL_JIRA: invalid duration \"abc\""},
	{"SYNC_INTERVAL_JIRA", "30", NULL},
	{"SYNC_INTERVAL_COMMITS", "0", NULL},
	{"SYNC_INTERVAL_COMMITS", "-1m", NULL},
	{"SYNC_INTERVAL_COMMITS", "1x", "SYNC_INTERVAL_COMMITS: invalid duration \"1x\""},
	{"SYNC_INTERVAL_COMMITS", "9999999999h", NULL},
	{"SHUTDOWN_TIMEOUT", "10", NULL},
	{"SHUTDOWN_TIMEOUT", "0s", NULL},
	{"SYNC_WAIT", "25", "SYNC_WAIT: invalid duration \"25\""},
	{"SYNC_WAIT", "0s", NULL},
	{"SYNC_MAX_WAIT", "a minute", "SYNC_MAX_WAIT: invalid duration \"a minute\""},
	{"SYNC_MAX_WAIT", "-1s", NULL},
	{"REGISTRATION_ENABLED", "no", NULL},
	{"UPSTREAM_ALLOW_LOOPBACK", "yes", NULL},
	{"UPSTREAM_ALLOW_HTTP", "on", NULL},
	{"UPSTREAM_DENY_PRIVATE", "2", NULL},
	{"SYNC_ENABLED", "yes", "SYNC_ENABLED: must be true, false, 1 or 0, got \"yes\""},
	{"SYNC_ENABLED", "2", NULL},
	{"SYNC_ENABLED", "truee", NULL},
	{"SYNC_ENABLED", " true", NULL},
	{"SYNC_LOOKBACK_DAYS", "0", NULL},
	{"SYNC_LOOKBACK_DAYS", "3651", NULL},
	{"SYNC_CONCURRENCY", "65", NULL},
	{"SYNC_CONCURRENCY", "0", NULL},
	{"HTTP_THREADS", "0", NULL},
	{"HTTP_THREADS", "257", NULL},
	{"DATABASE_POOL_SIZE", "0", "DATABASE_POOL_SIZE: must be an integer 1..256"},
	{"DATABASE_POOL_SIZE", "257", NULL},
	{"DATABASE_POOL_SIZE", "8x", NULL},
	{"LOG_LEVEL", "verbose", NULL},
	{"LOG_LEVEL", "informational", NULL},
	{"GITHUB_API_URL", "ftp://example.com", NULL},
	{"GITHUB_API_URL", "api.github.com", NULL},
	{"GITHUB_API_URL", "https://", NULL},
	{"GITHUB_API_URL", "https:///", NULL},
	{"GITHUB_API_URL", "https://api.github.com/ x", NULL},
	{"ENCRYPTION_KEY", "abcd", "ENCRYPTION_KEY: must be 64 hex characters (32 bytes)"},
	{"ENCRYPTION_KEY", KEY_HEX "0", "ENCRYPTION_KEY: must be 64 hex characters (32 bytes)"},
	{"ENCRYPTION_KEY", "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
	 "ENCRYPTION_KEY: must be 64 hex characters (32 bytes)"},
	{"DATABASE_URL", "mysql://user:hunter2@db/pdt", NULL},
	{"DATABASE_URL", "sqlite://", NULL},
	{"REPORT_AUTO_TIME", "24:00",
	 "REPORT_AUTO_TIME: must be a time HH:MM (00:00..23:59), got \"24:00\""},
	{"REPORT_AUTO_TIME", "9:00", NULL},
	{"REPORT_AUTO_TIME", "23:00:00", NULL},
	{"REPORT_MONTHLY_AUTO_TIME", "08:60", NULL},
	{"REPORT_AUTO_GENERATE", "yes", NULL},
	{"S3_ENDPOINT", "s3.example.com", NULL},
};

static void test_bad_values(void **state)
{
	for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
		clear_env(state);
		setenv(bad_values[i].name, bad_values[i].value, 1);
		config c;
		char err[256] = "";
		if (config_load(&c, NULL, err, sizeof err) != PDT_EINVAL)
			fail_msg("%s=%s accepted", bad_values[i].name, bad_values[i].value);
		size_t n = strlen(bad_values[i].name);
		if (strncmp(err, bad_values[i].name, n) != 0 || err[n] != ':')
			fail_msg("%s=%s: error does not name it: %s", bad_values[i].name,
				 bad_values[i].value, err);
		assert_null(strchr(err, '\n'));
		if (bad_values[i].message)
			assert_string_equal(err, bad_values[i].message);
		assert_null(c.server_addr); /* released on error */
		assert_null(c.log_level);
	}
}

/* Secrets never appear in an error line. */
static void test_secret_not_echoed(void **state)
{
	const char *secret = "supersecretsupersecretsupersecretsupersecretsupersecretsuperse";
	config c;
	char err[512];
	setenv("ENCRYPTION_KEY", secret, 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_EINVAL);
	assert_null(strstr(err, "supersecret"));
	clear_env(state);

	setenv("DATABASE_URL", "mysql://user:hunter2@db/pdt", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_EINVAL);
	assert_null(strstr(err, "hunter2"));
	clear_env(state);

	const char *text = "JWT_SECRET=\"topsecret-value\nENCRYPTION_KEY=123\n";
	char *path = write_temp(text, strlen(text));
	assert_int_equal(config_load(&c, path, err, sizeof err), PDT_EINVAL);
	assert_null(strstr(err, "topsecret"));
	assert_non_null(strstr(err, "line 1"));
	remove_temp(path);

	const char *text2 = "ENCRYPTION_KEY='not-hex-topsecret'\n";
	path = write_temp(text2, strlen(text2));
	assert_int_equal(config_load(&c, path, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "ENCRYPTION_KEY: must be 64 hex characters (32 bytes)");
	remove_temp(path);
}

/* Report variables: defaults, HH:MM, and upload set all or nothing. */
static void test_report_values(void **state)
{
	config c;
	char err[256] = "";
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_true(c.report_auto_generate);
	assert_int_equal(c.report_auto_time, 23 * 60);
	assert_int_equal(c.report_monthly_auto_time, 8 * 60);
	assert_string_equal(c.report_timezone, "UTC");
	assert_null(c.r2_bucket_name);
	assert_string_equal(c.s3_region, "auto");
	config_release(&c);
	setenv("REPORT_AUTO_TIME", "00:05", 1);
	setenv("R2_ACCOUNT_ID", "acct", 1);
	setenv("R2_ACCESS_KEY_ID", "AKID", 1);
	setenv("R2_SECRET_ACCESS_KEY", "s3cr3t-value", 1);
	setenv("R2_BUCKET_NAME", "reports", 1);
	setenv("R2_PUBLIC_DOMAIN", "files.example.com", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_int_equal(c.report_auto_time, 5);
	assert_string_equal(c.r2_secret_access_key, "s3cr3t-value");
	config_release(&c);
	unsetenv("R2_PUBLIC_DOMAIN"); /* needed without S3_ENDPOINT */
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "R2_PUBLIC_DOMAIN: required for report upload (R2_ACCOUNT_ID is set)");
	setenv("S3_ENDPOINT", "http://127.0.0.1:9000/", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_string_equal(c.s3_endpoint, "http://127.0.0.1:9000");
	config_release(&c);
	unsetenv("R2_SECRET_ACCESS_KEY");
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_EINVAL);
	assert_non_null(strstr(err, "R2_SECRET_ACCESS_KEY: required"));
	setenv("R2_SECRET_ACCESS_KEY", "s3cr3t-value", 1);
	setenv("R2_BUCKET_NAME", "a/b", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_EINVAL);
	assert_null(strstr(err, "s3cr3t"));
	clear_env(state);
}

static void test_require_secrets(void **state)
{
	(void)state;
	config c;
	char err[256];
	setenv("JWT_SECRET", "s3cret", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_int_equal(config_require_secrets(&c, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "ENCRYPTION_KEY: required but not set");
	assert_null(strstr(err, "s3cret"));
	config_release(&c);
	setenv("ENCRYPTION_KEY", KEY_HEX, 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_int_equal(config_require_secrets(&c, err, sizeof err), PDT_OK);
	config_release(&c);
	setenv("JWT_SECRET", "", 1);
	assert_int_equal(config_load(&c, NULL, err, sizeof err), PDT_OK);
	assert_int_equal(config_require_secrets(&c, err, sizeof err), PDT_EINVAL);
	assert_string_equal(err, "JWT_SECRET: required but not set");
	config_release(&c);
}

/* ---- .env syntax ---- */

typedef struct pairs {
	char text[2048];
	int n;
} pairs;

static void collect(const char *key, const char *value, void *ctx)
{
	pairs *p = ctx;
	size_t used = strlen(p->text);
	snprintf(p->text + used, sizeof p->text - used, "%s=[%s];", key, value);
	p->n++;
}

static pdt_err parse(const char *text, pairs *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	return config_parse_dotenv(text, strlen(text), collect, p, err, errlen);
}

static void test_dotenv_syntax(void **state)
{
	(void)state;
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"", ""},
		{"\n\n   \n\t\n", ""},
		{"# comment\n  # indented comment\nA=1\n", "A=[1];"},
		{"A=1\nB=2", "A=[1];B=[2];"},
		{"A=1\r\nB=2\r\n", "A=[1];B=[2];"},
		{"export A=1\nexport\tB=2\n", "A=[1];B=[2];"},
		{"export=1\n", "export=[1];"},
		{"A = spaced \n", "A=[spaced];"},
		{"A=\n", "A=[];"},
		{"A=\"\"\n", "A=[];"},
		{"A=''\n", "A=[];"},
		{"A=value # comment\n", "A=[value];"},
		{"A=value#notacomment\n", "A=[value#notacomment];"},
		{"A= # only a comment\n", "A=[];"},
		{"A=#x\n", "A=[#x];"},
		{"A=\"x\"#c\n", "A=[x];"},
		{"A=\"quoted # not a comment\" # comment\n", "A=[quoted # not a comment];"},
		{"A='single # kept' #c\n", "A=[single # kept];"},
		{"A=\"esc \\\"q\\\" \\\\ \\n\"\n", "A=[esc \"q\" \\ \n];"},
		{"A='no \\n escapes'\n", "A=[no \\n escapes];"},
		{"A=\"multi\nline\"\nB=2\n", "A=[multi\nline];B=[2];"},
		{"A=x=y\n", "A=[x=y];"},
		{"A=a b  c \n", "A=[a b  c];"},
		{"_A1=1\n", "_A1=[1];"},
		{"A=1\nA=2\n", "A=[1];A=[2];"},
		{"DATABASE_URL=postgres://u:p@h:5432/db?sslmode=disable\n",
		 "DATABASE_URL=[postgres://u:p@h:5432/db?sslmode=disable];"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pairs p;
		char err[128] = "";
		if (parse(cases[i].in, &p, err, sizeof err) != PDT_OK)
			fail_msg("rejected %s: %s", cases[i].in, err);
		assert_string_equal(p.text, cases[i].out);
	}
}

static void test_dotenv_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *err;
	} cases[] = {
		{"NOEQUALS\n", "line 1: expected KEY=VALUE"},
		{"A=1\n=value\n", "line 2: expected KEY=VALUE"},
		{"A=1\n\n1KEY=x\n", "line 3: expected KEY=VALUE"},
		{"A-B=1\n", "line 1: expected KEY=VALUE"},
		{"export\n", "line 1: expected KEY=VALUE"},
		{"A=1\nB=\"unterminated\nC=2\n", "line 2: unterminated quoted value"},
		{"B='unterminated\n", "line 1: unterminated quoted value"},
		{"A='x' trailing\n", "line 1: unexpected text after quoted value"},
		{"A=\"a\"b\n", "line 1: unexpected text after quoted value"},
		{"A=\"a\nb\"\nC\n", "line 3: expected KEY=VALUE"},
		{"A=\"a\\\nb\"\nC\n", "line 3: expected KEY=VALUE"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		pairs p;
		char err[128] = "";
		if (parse(cases[i].in, &p, err, sizeof err) != PDT_EINVAL)
			fail_msg("accepted %s", cases[i].in);
		assert_string_equal(err, cases[i].err);
	}
	pairs p;
	char err[128];
	memset(&p, 0, sizeof p);
	assert_int_equal(config_parse_dotenv("A=1\nB=\0x\n", 9, collect, &p, err, sizeof err),
			 PDT_EINVAL);
	assert_string_equal(err, "line 2: NUL byte");
	assert_int_equal(p.n, 0);
}

static void test_dotenv_file_errors(void **state)
{
	(void)state;
	config c;
	char err[512];
	const char *text = "A=1\n# ok\nbroken line\n";
	char *path = write_temp(text, strlen(text));
	assert_int_equal(config_load(&c, path, err, sizeof err), PDT_EINVAL);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_string_equal(err + strlen(path), ": line 3: expected KEY=VALUE");
	remove_temp(path);

	size_t big = 1024 * 1024 + 1;
	char *huge = malloc(big);
	assert_non_null(huge);
	memset(huge, '#', big);
	path = write_temp(huge, big);
	assert_int_equal(config_load(&c, path, err, sizeof err), PDT_EINVAL);
	assert_non_null(strstr(err, "larger than 1 MiB"));
	remove_temp(path);
	/* exactly 1 MiB of comment is fine */
	huge[big - 2] = '\n';
	path = write_temp(huge, big - 1);
	assert_int_equal(config_load(&c, path, err, sizeof err), PDT_OK);
	config_release(&c);
	remove_temp(path);
	free(huge);

	const char *dir = getenv("PDT_TEST_TMPDIR");
	assert_int_equal(config_load(&c, dir && *dir ? dir : "/tmp", err, sizeof err), PDT_EINVAL);
	assert_non_null(strstr(err, "cannot"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clear_env),
		cmocka_unit_test_setup(test_missing_dotenv, clear_env),
		cmocka_unit_test_setup(test_env_wins, clear_env),
		cmocka_unit_test_setup(test_good_values, clear_env),
		cmocka_unit_test_setup(test_bad_values, clear_env),
		cmocka_unit_test_setup(test_secret_not_echoed, clear_env),
		cmocka_unit_test_setup(test_report_values, clear_env),
		cmocka_unit_test_setup(test_require_secrets, clear_env),
		cmocka_unit_test(test_dotenv_syntax),
		cmocka_unit_test(test_dotenv_malformed),
		cmocka_unit_test_setup(test_dotenv_file_errors, clear_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
