/*
 * bench_civetweb — bench/ceiling.c's equivalent on civetweb 1.15 (Debian 12's
 * libcivetweb-dev): GET/HEAD answer {"status":"ok"} (application/json, marked
 * X-App: 1), other methods the JSON 405. Thread model: civetweb's own pool of
 * THREADS worker threads (num_threads), one connection per worker at a time,
 * plus its master (accept) thread. Keep-alive and tcp_nodelay on.
 *
 * usage: bench_civetweb PORT [THREADS]   (THREADS: $HTTP_THREADS, else 8)
 * Library error answers (4xx it makes itself) are left to civetweb's default,
 * so compare.py sees what the library does; the http_error callback would let
 * an application write JSON instead (CIVETWEB_JSON_ERRORS=1 turns it on here).
 */
#include "common.h"

#include <civetweb.h>

/* Whole answers built at compile time and sent with ONE write: a header write
 * followed by a body write stalls on Nagle + delayed ACK (about 40 ms per
 * request on keep-alive connections) even with tcp_nodelay below. */
#define OK_HEAD                                                                      \
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n" \
    APP_MARK_NAME ": " APP_MARK_VALUE "\r\n\r\n"
static const char OK[] = OK_HEAD BODY;
static const char NOT_ALLOWED[] =
    "HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\n"
    "Allow: GET, HEAD\r\nContent-Length: 30\r\n" APP_MARK_NAME ": " APP_MARK_VALUE
    "\r\n\r\n" BODY_405;
_Static_assert(sizeof BODY - 1 == 15, "Content-Length of BODY");
_Static_assert(sizeof BODY_405 - 1 == 30, "Content-Length of BODY_405");

static int handle(struct mg_connection *conn, void *cbdata) {
    (void)cbdata;
    const struct mg_request_info *ri = mg_get_request_info(conn);
    if (strcmp(ri->request_method, "GET") == 0) {
        mg_write(conn, OK, sizeof OK - 1);
        return 200;
    }
    if (strcmp(ri->request_method, "HEAD") == 0) {
        mg_write(conn, OK_HEAD, sizeof OK_HEAD - 1);
        return 200;
    }
    mg_write(conn, NOT_ALLOWED, sizeof NOT_ALLOWED - 1);
    return 405;
}

/* Optional: answer the library's own errors with JSON (returns 0 = handled). */
static int json_error(struct mg_connection *conn, int status, const char *msg) {
    (void)msg;
    static const char body[] = "{\"error\":\"bad request\"}";
    mg_printf(conn,
              "HTTP/1.1 %d Error\r\nContent-Type: application/json\r\nConnection: close\r\n"
              "Content-Length: %zu\r\n\r\n%s",
              status, sizeof body - 1, body);
    return 0;
}

int main(int argc, char **argv) {
    unsigned long port = 0, threads = 0;
    if (parse_args(argc, argv, &port, &threads) != 0) return 2;
    sigset_t waitset;
    block_stop_signals(&waitset);

    char ports[32], nthreads[16];
    snprintf(ports, sizeof ports, "127.0.0.1:%lu", port);
    snprintf(nthreads, sizeof nthreads, "%lu", threads);
    const char *options[] = {"listening_ports", ports, "num_threads", nthreads,
                             "enable_keep_alive", "yes", "request_timeout_ms", "30000",
                             "listen_backlog", "1024", "tcp_nodelay", "1", NULL};
    struct mg_callbacks cb;
    memset(&cb, 0, sizeof cb);
    const char *json = getenv("CIVETWEB_JSON_ERRORS");
    if (json != NULL && strcmp(json, "1") == 0) cb.http_error = json_error;

    mg_init_library(0);
    struct mg_context *ctx = mg_start(&cb, NULL, options);
    if (ctx == NULL) {
        fprintf(stderr, "bench_civetweb: cannot listen on %s\n", ports);
        mg_exit_library();
        return 1;
    }
    mg_set_request_handler(ctx, "/", handle, NULL);
    fprintf(stderr, "bench_civetweb: listening on %s with %lu threads\n", ports, threads);
    wait_for_stop(&waitset);
    mg_stop(ctx);
    mg_exit_library();
    return 0;
}
