/*
 * pdt — command line: serve | migrate | version | --help.
 * Exit status: 0 success, 1 runtime failure, 2 usage or configuration error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/api.h"
#include "core/config.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "http/server.h"
#include "store/store.h"
#include "core/banned.h"

#define EXIT_USAGE 2

static const char *usage_text =
	"pdt " PDT_VERSION " — tracks a developer's commits (GitHub, GitLab) and Jira work.\n"
	"\n"
	"Usage: pdt <command>\n"
	"\n"
	"Commands:\n"
	"  serve        run the HTTP API until SIGINT/SIGTERM (migrates the database first)\n"
	"  migrate      apply database schema migrations and exit\n"
	"  version      print the version and exit\n"
	"  help, --help show this text\n"
	"\n"
	"Configuration comes from the environment; a .env file in the working directory\n"
	"fills in variables that are not set. The main ones:\n"
	"  SERVER_ADDR (0.0.0.0)  SERVER_PORT (8080)  DATABASE_URL (sqlite://./data/pdt.db)\n"
	"  JWT_SECRET (required)  ENCRYPTION_KEY (required: 64 hex chars)  JWT_EXPIRY_HOURS (72)\n"
	"  CORS_ALLOWED_ORIGINS (*)  SHUTDOWN_TIMEOUT (10s)  HTTP_THREADS (8)  LOG_LEVEL (info)\n"
	"  SYNC_ENABLED (true)  SYNC_INTERVAL_COMMITS (15m)  SYNC_INTERVAL_JIRA (30m)\n"
	"  SYNC_LOOKBACK_DAYS (30)  SYNC_CONCURRENCY (4)  GITHUB_API_URL (https://api.github.com)\n"
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

static int serve(config *cfg, store *st)
{
	char err[512];
	api_app app = {.cfg = cfg, .st = st, .tokens = tokencache_new()};
	http_server *srv = NULL;
	http_server_config hc = {
		.addr = cfg->server_addr, .port = cfg->server_port, .threads = cfg->http_threads,
		.cors_origins = cfg->cors_allowed_origins, .auth = api_authenticate, .app = &app,
	};
	hc.routes = api_routes(&hc.nroutes);
	if (http_server_start(&hc, &srv, err, sizeof err)) {
		fprintf(stderr, "pdt: %s\n", err);
		tokencache_free(app.tokens);
		return 1;
	}
	log_info("serve addr=%s port=%d threads=%d version=%s", cfg->server_addr,
		 cfg->server_port, cfg->http_threads, PDT_VERSION);
	int sig = wait_for_signal();
	log_info("shutdown signal=%s", sig == SIGINT ? "SIGINT" : "SIGTERM");
	pthread_t wd;
	if (pthread_create(&wd, NULL, shutdown_watchdog, &cfg->shutdown_timeout_ns) == 0)
		pthread_detach(wd);
	http_server_quiesce(srv);
	http_server_stop(srv);
	tokencache_free(app.tokens);
	log_info("shutdown complete");
	return 0;
}

static int cmd_serve(void)
{
	config cfg = {0};
	store *st = NULL;
	sigset_t set;
	/* Block the stop signals before any thread exists, so every thread inherits
	 * the mask and only the main thread's sigwait() receives them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	int rc = load_config(&cfg, true);
	if (!rc)
		rc = open_store(&cfg, cfg.http_threads + 2, &st);
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

int main(int argc, char **argv)
{
	tune_malloc();
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
	if (argc > 2) {
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
	else
		fprintf(stderr, "pdt: unknown command \"%s\" (see pdt --help)\n", cmd);
	curl_global_cleanup();
	return rc;
}
