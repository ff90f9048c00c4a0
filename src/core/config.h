#ifndef PDT_CORE_CONFIG_H
#define PDT_CORE_CONFIG_H
/*
 * Configuration from the environment, with a `.env` file filling in variables
 * that are not already set (the environment wins). Strict: a value that does
 * not parse is an error naming the variable — never a silent fallback.
 *
 * Ownership: config_load() fills a caller-provided struct whose strings it
 * allocates; config_release() frees them and wipes the secrets.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct config {
	char *server_addr;       /* SERVER_ADDR, default "0.0.0.0" */
	int server_port;         /* SERVER_PORT, default 8080, 1..65535 */
	char *database_url;      /* DATABASE_URL, default "sqlite://./data/pdt.db" */
	int database_pool_size;  /* DATABASE_POOL_SIZE, 1..256; 0 when unset (see config_pool_size) */
	char *jwt_secret;        /* JWT_SECRET, required by serve/sync; NULL when unset */
	int jwt_expiry_hours;    /* JWT_EXPIRY_HOURS, default 72, 1..87600 */
	unsigned char encryption_key[32]; /* ENCRYPTION_KEY: 64 hex chars */
	bool has_encryption_key;
	bool sync_enabled;             /* SYNC_ENABLED: true/1/false/0 (any case), default true */
	int64_t sync_interval_commits_ns; /* SYNC_INTERVAL_COMMITS, default 15m, > 0 */
	int64_t sync_interval_jira_ns;    /* SYNC_INTERVAL_JIRA, default 30m, > 0 */
	int sync_lookback_days;        /* SYNC_LOOKBACK_DAYS, default 30, 1..3650 */
	int sync_concurrency;          /* SYNC_CONCURRENCY, default 4, 1..64 */
	char *github_api_url;          /* GITHUB_API_URL, default "https://api.github.com", no trailing '/' */
	int64_t shutdown_timeout_ns;   /* SHUTDOWN_TIMEOUT, default 10s, > 0 */
	int64_t upstream_timeout_ns;   /* UPSTREAM_TIMEOUT: one upstream attempt, default 30s, > 0 */
	int64_t jira_first_sync_timeout_ns; /* JIRA_FIRST_SYNC_TIMEOUT: the synchronous first Jira
					     * pass of a /api/jira read, default 20s, > 0 */
	int64_t sync_wait_ns;          /* SYNC_WAIT: how long a manual trigger waits for its pass
					* before answering 202, default 25s, > 0 */
	int64_t sync_max_wait_ns;      /* SYNC_MAX_WAIT: the longest Retry-After / rate-limit reset a
					* pass sleeps on (longer ones defer), default 60s, > 0 */
	int64_t sync_lease_ttl_ns;     /* SYNC_LEASE_TTL: how long a replica's claim on a (user,
					* source) pass lasts unless its heartbeat (every third of
					* it) extends it; a dead replica's work moves on after
					* at most this long. Default 30s, > 0 */
	char *cors_allowed_origins;    /* CORS_ALLOWED_ORIGINS, default "*" */
	char *metrics_token;           /* METRICS_TOKEN: bearer token /metrics needs; NULL = open */
	bool registration_enabled;     /* REGISTRATION_ENABLED, default true */
	bool upstream_allow_loopback;  /* UPSTREAM_ALLOW_LOOPBACK, default false: users' hosts may be loopback */
	bool upstream_allow_http;      /* UPSTREAM_ALLOW_HTTP, default false: tokens over plain http */
	bool upstream_deny_private;    /* UPSTREAM_DENY_PRIVATE, default false: refuse private ranges */
	int http_threads;              /* HTTP_THREADS, default 8, 1..256 */
	char *log_level;               /* LOG_LEVEL, default "info" (debug|info|warn|error) */
	/* Reports (issue 12). */
	bool report_auto_generate;     /* REPORT_AUTO_GENERATE, default true */
	int report_auto_time;          /* REPORT_AUTO_TIME "HH:MM", default 23:00, minutes after midnight */
	int report_monthly_auto_time;  /* REPORT_MONTHLY_AUTO_TIME "HH:MM", default 08:00 */
	char *report_timezone;         /* REPORT_TIMEZONE, IANA name, default "UTC" (checked by
					* report/tz at start-up) */
	/* Report upload (report/upload.h): all unset = none; R2_BUCKET_NAME set
	 * means configured, and then the rest is checked at load. */
	char *r2_account_id;           /* R2_ACCOUNT_ID */
	char *r2_access_key_id;        /* R2_ACCESS_KEY_ID */
	char *r2_secret_access_key;    /* R2_SECRET_ACCESS_KEY (never echoed) */
	char *r2_bucket_name;          /* R2_BUCKET_NAME */
	char *r2_public_domain;        /* R2_PUBLIC_DOMAIN */
	char *s3_endpoint;             /* S3_ENDPOINT: any S3-compatible store instead of R2 */
	char *s3_region;               /* S3_REGION, default "auto" (R2's) */
} config;

/*
 * Loads every variable. dotenv_path may be NULL (no file) or a path that need
 * not exist. On error returns PDT_EINVAL and writes one line into err, naming
 * the variable (e.g. "SYNC_INTERVAL_JIRA: invalid duration \"abc\""); the
 * struct is then released already. Required-ness is checked separately.
 */
pdt_err config_load(config *c, const char *dotenv_path, char *err, size_t errlen);

/* JWT_SECRET and ENCRYPTION_KEY must be set (serve, sync). Same error contract. */
pdt_err config_require_secrets(const config *c, char *err, size_t errlen);

/*
 * Connections the store opens: DATABASE_POOL_SIZE when set; else 8 for
 * PostgreSQL, and for SQLite `sqlite_default` (what the command needs: its
 * threads plus two), as before the variable existed.
 */
int config_pool_size(const config *c, int sqlite_default);

void config_release(config *c);

/*
 * Parses a .env file's text into (key, value) pairs, calling cb for each.
 * Understands `KEY=VALUE`, `export KEY=VALUE`, blank lines, `#` comments,
 * single- and double-quoted values, and trailing ` # comment` after unquoted
 * values. Exposed for tests and the fuzz target. Returns PDT_EINVAL with the
 * line number in err on a malformed line.
 */
typedef void (*config_kv_cb)(const char *key, const char *value, void *ctx);
pdt_err config_parse_dotenv(const char *text, size_t len, config_kv_cb cb, void *ctx,
			    char *err, size_t errlen);

#endif
