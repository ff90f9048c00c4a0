/*
 * pdt — command line: serve | sync | migrate | db backup | db copy | version | --help.
 * Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api/api.h"
#include "core/config.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/timeutil.h"
#include "http/server.h"
#include "store/backup.h"
#include "store/store.h"
#include "sync/budget.h"
#include "sync/commits.h"
#include "sync/jira.h"
#include "upstream/client.h"
#include "report/tz.h"
#include "worker/autoreport.h"
#include "worker/scheduler.h"
#include "core/banned.h"

#define EXIT_USAGE 2

static const char *usage_text =
	"pdt " PDT_VERSION " — tracks a developer's commits (GitHub, GitLab) and Jira work.\n"
	"\n"
	"Usage: pdt <command>\n"
	"\n"
	"Commands:\n"
	"  serve        run the HTTP API until SIGINT/SIGTERM (migrates the database first)\n"
	"  sync [--commits] [--jira] [--user ID]\n"
	"               run one sync pass in the foreground and exit (both sources when\n"
	"               neither is named; every user, or only user ID): 0 when all\n"
	"               synced, 1 when something failed\n"
	"  migrate      apply database schema migrations and exit\n"
	"  db backup [--force] PATH\n"
	"               write a consistent, integrity-checked copy of the SQLite\n"
	"               database to PATH while pdt serve keeps running; refuses an\n"
	"               existing PATH unless --force (PostgreSQL: use pg_dump; exit 2)\n"
	"  db copy --from URL --to URL\n"
	"               copy a whole database into an empty one (e.g. sqlite://./data/pdt.db\n"
	"               to postgres://...), ids kept, row counts checked; prints the counts;\n"
	"               exit 2 when the target is not empty\n"
	"  version      print the version and exit\n"
	"  help, --help show this text\n"
	"\n"
	"Configuration comes from the environment; a .env file in the working directory\n"
	"fills in variables that are not set. The main ones:\n"
	"  SERVER_ADDR (0.0.0.0)  SERVER_PORT (8080)  DATABASE_URL (sqlite://./data/pdt.db\n"
	"    or postgres://user:pass@host:port/db?sslmode=...: libpq's URI, passed through)\n"
	"  DATABASE_POOL_SIZE (database connections, 1..256; PostgreSQL 8, SQLite HTTP_THREADS+2)\n"
	"  JWT_SECRET (required)  ENCRYPTION_KEY (required: 64 hex chars)  JWT_EXPIRY_HOURS (72)\n"
	"  CORS_ALLOWED_ORIGINS (*)  SHUTDOWN_TIMEOUT (10s)  HTTP_THREADS (8)  LOG_LEVEL (info)\n"
	"  SYNC_ENABLED (true)  SYNC_INTERVAL_COMMITS (15m)  SYNC_INTERVAL_JIRA (30m)\n"
	"  SYNC_LOOKBACK_DAYS (30)  SYNC_CONCURRENCY (4)  GITHUB_API_URL (https://api.github.com)\n"
	"  UPSTREAM_TIMEOUT (30s: one upstream request attempt)\n"
	"  JIRA_FIRST_SYNC_TIMEOUT (20s: the first Jira pass a /api/jira read waits for)\n"
	"  SYNC_WAIT (25s: how long POST /api/sync/* waits before answering 202)\n"
	"  SYNC_MAX_WAIT (60s: longer Retry-After / rate-limit resets defer to the next pass)\n"
	"  SYNC_LEASE_TTL (30s: a replica's claim on a user's pass; a dead replica's work\n"
	"               moves to another after at most this long)\n"
	"  METRICS_TOKEN (unset: /metrics is open; set: it needs Authorization: Bearer <it>)\n"
	"  REGISTRATION_ENABLED (true)  UPSTREAM_ALLOW_LOOPBACK (false)  UPSTREAM_ALLOW_HTTP (false)\n"
	"  UPSTREAM_DENY_PRIVATE (false: private ranges are allowed for self-hosted GitLab/Jira)\n"
	"Reports:\n"
	"  REPORT_AUTO_GENERATE (true)  REPORT_AUTO_TIME (23:00)  REPORT_MONTHLY_AUTO_TIME (08:00)\n"
	"  REPORT_TIMEZONE (UTC: the IANA zone report days and times are counted in)\n"
	"  Upload (all unset: none): R2_ACCOUNT_ID R2_ACCESS_KEY_ID R2_SECRET_ACCESS_KEY\n"
	"  R2_BUCKET_NAME R2_PUBLIC_DOMAIN, or S3_ENDPOINT (any S3-compatible store)\n"
	"  instead of R2_ACCOUNT_ID; S3_REGION (auto)\n"
	"A missing required variable or a value that does not parse exits with status 2.\n";

static int load_config(config *cfg, bool need_secrets)
{
	char err[512];
	if (config_load(cfg, ".env", err, sizeof err) ||
	    (need_secrets && config_require_secrets(cfg, err, sizeof err))) {
		fprintf(stderr, "pdt: %s\n", err);
		return EXIT_USAGE;
	}
	log_level lvl = LOG_INFO;
	if (log_level_parse(cfg->log_level, &lvl) == 0)
		log_set_level(lvl);
	return 0;
}

static int open_store(const config *cfg, int pool, store **st)
{
	char err[512];
	int applied = 0, version = 0;
	if (store_open(cfg->database_url, pool, st, err, sizeof err)) {
		fprintf(stderr, "pdt: %s\n", err);
		return 1;
	}
	if (store_migrate(*st, &applied) || store_schema_version(*st, &version)) {
		fprintf(stderr, "pdt: database migration failed (see log)\n");
		store_close(*st);
		*st = NULL;
		return 1;
	}
	store_optimize(*st);
	log_info("store migrations_applied=%d schema_version=%d", applied, version);
	return 0;
}

static int cmd_migrate(void)
{
	config cfg = {0};
	store *st = NULL;
	int rc = load_config(&cfg, false);
	if (!rc)
		rc = open_store(&cfg, 1, &st);
	store_close(st);
	config_release(&cfg);
	return rc;
}

/* Shutdown guard: if a graceful stop overruns SHUTDOWN_TIMEOUT, leave anyway.
 * Everything committed is durable (SQLite WAL), so exiting is safe. */
static void *shutdown_watchdog(void *arg)
{
	int64_t ns = *(int64_t *)arg;
	struct timespec ts = {.tv_sec = ns / TIMEUTIL_NS_PER_S, .tv_nsec = ns % TIMEUTIL_NS_PER_S};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	log_warn("shutdown timeout reached; exiting without waiting further");
	_exit(0);
	return NULL;
}

/* Blocks SIGINT/SIGTERM before any thread exists, so every thread inherits
 * the mask and only a sigwait() receives them. */
static void block_stop_signals(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static int wait_for_signal(void)
{
	sigset_t set;
	int sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	while (sigwait(&set, &sig) != 0)
		;
	return sig;
}

static upstream_client *new_client(const config *cfg)
{
	upstream_opts o = {.max_per_host = cfg->sync_concurrency,
			   .timeout_ms = (long)(cfg->upstream_timeout_ns / TIMEUTIL_NS_PER_MS),
			   .max_wait_ms = (long)(cfg->sync_max_wait_ns / TIMEUTIL_NS_PER_MS)};
	return upstream_client_new(&o);
}

static int serve(config *cfg, store *st)
{
	char err[512];
	sync_ctx sync = {.st = st, .cfg = cfg, .client = new_client(cfg), .locks = userlock_new()};
	api_app app = {.cfg = cfg, .st = st, .tokens = tokencache_new(), .logins = throttle_new(0),
		       .sync = &sync};
	int rc = 0;
	http_server *srv = NULL;
	autoreport *reports = NULL;
	http_server_config hc = {
		.addr = cfg->server_addr, .port = cfg->server_port, .threads = cfg->http_threads,
		.cors_origins = cfg->cors_allowed_origins, .auth = api_authenticate, .app = &app,
	};
	hc.routes = api_routes(&hc.nroutes);
	sync.leases = lease_start(st, cfg->sync_lease_ttl_ns / TIMEUTIL_NS_PER_MS);
	sync.budgets = budget_new(st, cfg->sync_max_wait_ns / TIMEUTIL_NS_PER_MS);
	if (sync.client)
		budget_install(sync.budgets, sync.client);
	app.triggers = sync.leases ? trigger_start(&sync) : NULL;
	if (!app.triggers) {
		rc = 1;
		goto cleanup;
	}
	scheduler_start(&sync, &app.worker);
	autoreport_start(st, cfg, &reports);
	if (http_server_start(&hc, &srv, err, sizeof err)) {
		fprintf(stderr, "pdt: %s\n", err);
		rc = 1;
		goto cleanup;
	}
	log_info("serve addr=%s port=%d threads=%d version=%s", cfg->server_addr,
		 cfg->server_port, cfg->http_threads, PDT_VERSION);
	/* Listening and migrated: tell systemd (Type=notify) we are ready, so
	 * units ordered after pdt and `systemctl start` wait for this moment.
	 * Without NOTIFY_SOCKET (not under systemd) this does nothing. */
	sd_notify(0, "READY=1");
	int sig = wait_for_signal();
	sd_notify(0, "STOPPING=1");
	log_info("shutdown signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	pthread_t wd;
	if (pthread_create(&wd, NULL, shutdown_watchdog, &cfg->shutdown_timeout_ns) == 0)
		pthread_detach(wd);
	/* Abort upstream calls first, so every pass ends now; then the trigger
	 * pool (which answers every waiting trigger), the worker's loops and
	 * the HTTP server (which lets those answers go out). */
	upstream_client_cancel(sync.client);
	http_server_quiesce(srv);
	trigger_stop(app.triggers);
	scheduler_stop(app.worker);
	autoreport_stop(reports);
	http_server_stop(srv);
	log_info("shutdown complete");
cleanup:
	trigger_free(app.triggers);
	scheduler_free(app.worker);
	autoreport_free(reports);
	lease_free(sync.leases);
	upstream_client_free(sync.client);
	budget_free(sync.budgets);
	userlock_free(sync.locks);
	tokencache_free(app.tokens);
	throttle_free(app.logins);
	return rc;
}

static int cmd_serve(void)
{
	config cfg = {0};
	store *st = NULL;
	block_stop_signals();
	signal(SIGPIPE, SIG_IGN);
	int rc = load_config(&cfg, true);
	/* Before any thread exists: report/tz.h sets the process's zone once. */
	if (!rc && reporttz_init(cfg.report_timezone)) {
		fprintf(stderr, "pdt: REPORT_TIMEZONE: unknown time zone (an IANA name such as "
			"Europe/Berlin is expected)\n");
		rc = EXIT_USAGE;
	}
	if (!rc)
		rc = open_store(&cfg, config_pool_size(&cfg, cfg.http_threads + 2), &st);
	if (!rc)
		rc = serve(&cfg, st);
	store_close(st);
	config_release(&cfg);
	return rc;
}

/*
 * Memory: a fixed mmap threshold sends large buffers (a multi-megabyte
 * response body) straight to mmap, so they go back to the kernel when freed
 * instead of staying in the heap; glibc's dynamic threshold would otherwise
 * keep the peak resident for the process's life. Two arenas are plenty for
 * a server whose threads mostly wait.
 */
static void tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_ARENA_MAX, 2);
}

typedef struct sync_args {
	bool commits;
	bool jira;
	int64_t user_id; /* 0 = every user with something to sync */
} sync_args;

static int parse_sync_args(int argc, char **argv, sync_args *a)
{
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--commits") == 0) {
			a->commits = true;
		} else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
			char *end = NULL;
			errno = 0;
			long long v = strtoll(argv[++i], &end, 10);
			if (errno || !end || *end || v <= 0) {
				fprintf(stderr, "pdt: --user needs a positive user id\n");
				return EXIT_USAGE;
			}
			a->user_id = v;
		} else if (strcmp(argv[i], "--jira") == 0) {
			a->jira = true;
		} else {
			fprintf(stderr, "pdt: sync: unknown argument \"%s\" (see pdt --help)\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!a->commits && !a->jira)
		a->commits = a->jira = true;
	return 0;
}

/* SIGINT/SIGTERM during `pdt sync` cancel the upstream client. When the
 * sync ends first, main sets sync_done and sends the thread a SIGTERM of its
 * own to release its sigwait(). */
static atomic_bool sync_done;

static void *sync_signal_thread(void *arg)
{
	int sig = wait_for_signal();
	if (atomic_load(&sync_done))
		return NULL;
	log_info("sync interrupted signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	upstream_client_cancel(arg);
	return NULL;
}

static void print_report(int64_t user_id, const sync_report *r)
{
	if (r->joined)
		printf("user %lld commits: synced by a running pdt serve meanwhile\n",
		       (long long)user_id);
	for (size_t i = 0; i < r->n; i++) {
		if (r->joined && !(r->repos[i].error && r->repos[i].error[0]))
			continue; /* its counts stayed with the replica that ran it */
		const sync_repo_report *x = &r->repos[i];
		if (x->error && x->error[0])
			printf("user %lld repo %lld %s (%s): error: %s\n", (long long)user_id,
			       (long long)x->repo_id, x->repo_name, x->provider, x->error);
		else
			printf("user %lld repo %lld %s (%s): %lld new of %lld fetched\n",
			       (long long)user_id, (long long)x->repo_id, x->repo_name, x->provider,
			       (long long)x->new_commits, (long long)x->total_fetched);
	}
}

/* Runs the commit pass for each user; returns how many things failed. */
static size_t sync_commit_users(sync_ctx *ctx, const int64_t *ids, size_t n)
{
	size_t failures = 0;
	for (size_t i = 0; i < n && !upstream_client_cancelled(ctx->client); i++) {
		sync_report *r = NULL;
		pdt_err rc = sync_commits_user(ctx, ids[i], 0, &r);
		if (rc) {
			fprintf(stderr, "pdt: user %lld: %s\n", (long long)ids[i], pdt_strerror(rc));
			failures++;
		} else {
			print_report(ids[i], r);
			failures += sync_report_failures(r);
		}
		sync_report_unref(r);
	}
	return failures;
}

static size_t sync_jira_users(sync_ctx *ctx, const int64_t *ids, size_t n)
{
	size_t failures = 0;
	for (size_t i = 0; i < n && !upstream_client_cancelled(ctx->client); i++) {
		sync_report *r = NULL;
		sync_jira_user(ctx, ids[i], &r);
		if (!r || (r->error && r->error[0])) {
			printf("user %lld jira: error: %s\n", (long long)ids[i],
			       r ? r->error : "internal error");
			failures++;
		} else if (r->joined) {
			printf("user %lld jira: synced by a running pdt serve meanwhile\n",
			       (long long)ids[i]);
		} else {
			printf("user %lld jira: %lld sprints, %lld cards\n", (long long)ids[i],
			       (long long)r->sprints, (long long)r->cards);
		}
		sync_report_unref(r);
	}
	return failures;
}

/* The users a source covers: --user ID, or everyone with something to sync. */
static pdt_err source_users(store *st, const sync_args *a, bool jira, int64_t **ids, size_t *n)
{
	if (a->user_id) {
		store_user u = {0};
		*ids = NULL;
		*n = 0;
		pdt_err rc = store_user_by_id(st, a->user_id, &u);
		/* Named explicitly: a user without Jira settings is an error for --jira,
		 * and simply has nothing to sync when no source was named. */
		bool skip = jira && !sync_jira_configured(&u) && !(a->jira && !a->commits);
		store_user_release(&u);
		if (rc || skip)
			return rc;
		*ids = xmalloc(sizeof **ids);
		(*ids)[(*n)++] = a->user_id;
		return PDT_OK;
	}
	return jira ? store_users_with_jira(st, ids, n) : store_users_with_repos(st, ids, n);
}

static size_t run_sources(sync_ctx *ctx, const sync_args *a)
{
	size_t failures = 0;
	for (int jira = 0; jira <= 1; jira++) {
		int64_t *ids = NULL;
		size_t n = 0;
		if (!(jira ? a->jira : a->commits))
			continue;
		pdt_err rc = source_users(ctx->st, a, jira, &ids, &n);
		if (rc) {
			fprintf(stderr, "pdt: %s\n", rc == PDT_ENOTFOUND ? "no such user"
									: pdt_strerror(rc));
			failures++;
		} else {
			failures += jira ? sync_jira_users(ctx, ids, n) : sync_commit_users(ctx, ids, n);
		}
		free(ids);
	}
	return failures;
}

static int cmd_sync(int argc, char **argv)
{
	sync_args a = {0};
	config cfg = {0};
	store *st = NULL;
	block_stop_signals();
	int rc = parse_sync_args(argc, argv, &a);
	if (!rc)
		rc = load_config(&cfg, false);
	if (!rc && !cfg.has_encryption_key) {
		fprintf(stderr, "pdt: ENCRYPTION_KEY: required but not set\n");
		rc = EXIT_USAGE;
	}
	if (!rc)
		rc = open_store(&cfg, config_pool_size(&cfg, cfg.sync_concurrency + 2), &st);
	if (rc)
		goto cleanup;
	sync_ctx ctx = {.st = st, .cfg = &cfg, .client = new_client(&cfg), .locks = userlock_new()};
	/* The same leases and rate budgets as the replicas of `pdt serve` on
	 * this database: a pass they are running is joined, not run twice. */
	ctx.leases = lease_start(st, cfg.sync_lease_ttl_ns / TIMEUTIL_NS_PER_MS);
	ctx.budgets = budget_new(st, cfg.sync_max_wait_ns / TIMEUTIL_NS_PER_MS);
	if (ctx.client)
		budget_install(ctx.budgets, ctx.client);
	pthread_t sig;
	bool sig_ok = pthread_create(&sig, NULL, sync_signal_thread, ctx.client) == 0;
	rc = run_sources(&ctx, &a) ? 1 : 0;
	if (sig_ok) {
		atomic_store(&sync_done, true);
		pthread_kill(sig, SIGTERM);
		pthread_join(sig, NULL);
	}
	lease_free(ctx.leases);
	upstream_client_free(ctx.client);
	budget_free(ctx.budgets);
	userlock_free(ctx.locks);
cleanup:
	store_close(st);
	config_release(&cfg);
	return rc;
}

/* pdt db backup [--force] PATH (see store/backup.h). */
static int cmd_db_backup(int argc, char **argv)
{
	backup_opts o = {.sleep_ms = -1};
	const char *path = NULL;
	for (int i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--force") == 0 && !o.force)
			o.force = true;
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else {
			fprintf(stderr, "pdt: db backup: unexpected argument \"%s\"\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (!path || !path[0]) {
		fprintf(stderr, "pdt: db backup: missing PATH (pdt db backup [--force] PATH)\n");
		return EXIT_USAGE;
	}
	config cfg = {0};
	char err[1024];
	backup_stats st = {0};
	int rc = load_config(&cfg, false);
	if (rc)
		goto cleanup;
	pdt_err e = backup_run(cfg.database_url, path, &o, &st, err, sizeof err);
	if (e) {
		fprintf(stderr, "pdt: db backup: %s\n", err);
		rc = e == PDT_EINVAL ? EXIT_USAGE : 1;
		goto cleanup;
	}
	printf("pdt: db backup: wrote %s (%lld pages, %lld bytes; copy %lld ms, "
	       "integrity_check ok in %lld ms)\n", path, (long long)st.pages, (long long)st.bytes,
	       (long long)st.copy_ms, (long long)st.check_ms);
cleanup:
	config_release(&cfg);
	return rc;
}

/* Opens and migrates one side of a copy (pool of 1). */
static int open_copy_side(const char *url, store **st)
{
	char err[512];
	int applied = 0;
	if (store_open(url, 1, st, err, sizeof err)) {
		fprintf(stderr, "pdt: db copy: %s\n", err);
		return 1;
	}
	if (store_migrate(*st, &applied)) {
		fprintf(stderr, "pdt: db copy: database migration failed (see log)\n");
		return 1;
	}
	return 0;
}

/* pdt db copy --from URL --to URL */
static int cmd_db_copy(int argc, char **argv)
{
	const char *from = NULL, *to = NULL;
	bool copy = true;
	for (int i = 3; copy && i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--from") == 0)
			from = argv[i + 1];
		else if (strcmp(argv[i], "--to") == 0)
			to = argv[i + 1];
		else
			copy = false;
	}
	if (!copy || !from || !to || argc != 7) {
		fprintf(stderr, "pdt: usage: pdt db copy --from URL --to URL\n");
		return EXIT_USAGE;
	}
	config cfg = {0};
	store *src = NULL, *dst = NULL;
	int64_t counts[STORE_COPY_TABLES];
	char err[512];
	int rc = load_config(&cfg, false);
	if (!rc)
		rc = open_copy_side(from, &src);
	if (!rc)
		rc = open_copy_side(to, &dst);
	if (!rc) {
		pdt_err e = store_copy(src, dst, counts, err, sizeof err);
		if (e) {
			fprintf(stderr, "pdt: db copy: %s\n", err);
			rc = e == PDT_ECONFLICT ? EXIT_USAGE : 1;
		} else {
			for (size_t i = 0; i < STORE_COPY_TABLES; i++)
				printf("%-18s %lld\n", store_copy_table_name(i), (long long)counts[i]);
		}
	}
	store_close(dst);
	store_close(src);
	config_release(&cfg);
	return rc;
}

/* pdt db backup|copy ... */
static int cmd_db(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[2], "backup") == 0)
		return cmd_db_backup(argc, argv);
	if (argc > 2 && strcmp(argv[2], "copy") == 0)
		return cmd_db_copy(argc, argv);
	fprintf(stderr, "pdt: db: unknown or missing subcommand (usage: pdt db backup [--force] "
		"PATH | pdt db copy --from URL --to URL)\n");
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	tune_malloc();
	/* The database holds password hashes and sealed tokens: files we create
	 * are for this user only. */
	umask(077);
	const char *cmd = argc > 1 ? argv[1] : NULL;
	if (!cmd || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
	    strcmp(cmd, "help") == 0) {
		fputs(usage_text, cmd ? stdout : stderr);
		return cmd ? 0 : EXIT_USAGE;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("pdt %s\n", PDT_VERSION);
		return 0;
	}
	if (argc > 2 && strcmp(cmd, "sync") != 0 && strcmp(cmd, "db") != 0) {
		fprintf(stderr, "pdt: %s takes no arguments\n", cmd);
		return EXIT_USAGE;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "pdt: cannot initialise libcurl\n");
		return 1;
	}
	int rc = EXIT_USAGE;
	if (strcmp(cmd, "serve") == 0)
		rc = cmd_serve();
	else if (strcmp(cmd, "migrate") == 0)
		rc = cmd_migrate();
	else if (strcmp(cmd, "sync") == 0)
		rc = cmd_sync(argc, argv);
	else if (strcmp(cmd, "db") == 0)
		rc = cmd_db(argc, argv);
	else
		fprintf(stderr, "pdt: unknown command \"%s\" (see pdt --help)\n", cmd);
	curl_global_cleanup();
	return rc;
}
