/*
 * bench_h2o — the bare server on h2o 2.2.5's evloop library (Debian 12's
 * libh2o-evloop-dev, libh2o-evloop 0.13): bench/httplibs' h2o column and,
 * built by CMake as bench_ceiling, bench/api.sh's ceiling (pdt's HTTP layer
 * uses this library since issue 9; mhd.c is the libmicrohttpd equivalent).
 * GET/HEAD answer
 * {"status":"ok"} (application/json, marked X-App: 1), other methods the JSON
 * 405. Thread model: h2o's own (one event loop per thread, as the h2o server
 * does): THREADS threads, each with its own h2o_evloop_t + h2o_context_t and
 * its own SO_REUSEPORT listener on the same port; the kernel spreads
 * connections. A handler must answer on its loop's thread (or hand the
 * answer back to it through h2o_multithread_*).
 *
 * usage: bench_h2o PORT [THREADS]   (THREADS: $HTTP_THREADS, else 8)
 */
#define H2O_USE_EPOLL 1
#define H2O_USE_LIBUV 0
#include "common.h"

#include <h2o.h>

struct worker {
    pthread_t tid;
    int fd;
    h2o_evloop_t *loop;
    h2o_context_t ctx;
    int ctx_ready;
    h2o_accept_ctx_t accept_ctx;
    h2o_socket_t *listener;
};

static h2o_globalconf_t g_config;

static int handle(h2o_handler_t *self, h2o_req_t *req) {
    (void)self;
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT(APP_MARK_NAME), 0, NULL,
                          H2O_STRLIT(APP_MARK_VALUE));
    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("GET")) ||
        h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        req->res.status = 200;
        req->res.reason = "OK";
        req->res.content_length = sizeof BODY - 1; /* else h2o sends chunked */
        h2o_send_inline(req, H2O_STRLIT(BODY));
        return 0;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL, H2O_STRLIT("GET, HEAD"));
    req->res.status = 405;
    req->res.reason = "Method Not Allowed";
    req->res.content_length = sizeof BODY_405 - 1;
    h2o_send_inline(req, H2O_STRLIT(BODY_405));
    return 0;
}

static void on_accept(h2o_socket_t *listener, const char *err) {
    if (err != NULL) return;
    struct worker *w = listener->data;
    /* Bounded: the listener is non-blocking, accept returns NULL when drained. */
    for (int i = 0; i < 64; i++) {
        h2o_socket_t *sock = h2o_evloop_socket_accept(listener);
        if (sock == NULL) return;
        h2o_accept(&w->accept_ctx, sock);
    }
}

static void *run(void *arg) {
    struct worker *w = arg;
    /* 100 ms wake-ups so the stop flag is seen promptly. */
    while (!atomic_load(&g_stop)) h2o_evloop_run(w->loop, 100);
    return NULL;
}

static int worker_init(struct worker *w, unsigned long port) {
    w->fd = listen_reuseport(port);
    if (w->fd < 0) return -1;
    w->loop = h2o_evloop_create();
    h2o_context_init(&w->ctx, w->loop, &g_config);
    w->ctx_ready = 1;
    w->accept_ctx.ctx = &w->ctx;
    w->accept_ctx.hosts = g_config.hosts;
    w->listener = h2o_evloop_socket_create(w->loop, w->fd, H2O_SOCKET_FLAG_DONT_READ);
    if (w->listener == NULL) return -1;
    w->listener->data = w;
    h2o_socket_read_start(w->listener, on_accept);
    return 0;
}

/* After its thread was joined: close the listener, let the loop run the
 * deferred close once, then dispose of the context and the loop. */
static void worker_free(struct worker *w) {
    if (w->listener != NULL) h2o_socket_close(w->listener);
    else if (w->fd >= 0) close(w->fd);
    if (w->loop != NULL) h2o_evloop_run(w->loop, 0);
    if (w->ctx_ready) h2o_context_dispose(&w->ctx);
    if (w->loop != NULL) h2o_evloop_destroy(w->loop);
}

int main(int argc, char **argv) {
    unsigned long port = 0, threads = 0;
    if (parse_args(argc, argv, &port, &threads) != 0) return 2;
    sigset_t waitset;
    block_stop_signals(&waitset);

    h2o_config_init(&g_config);
    g_config.server_name = h2o_iovec_init(H2O_STRLIT("bench_h2o"));
    h2o_hostconf_t *host =
        h2o_config_register_host(&g_config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *path = h2o_config_register_path(host, "/", 0);
    h2o_handler_t *handler = h2o_create_handler(path, sizeof *handler);
    handler->on_req = handle;

    struct worker *ws = calloc(threads, sizeof *ws);
    if (ws == NULL) return 1;
    int rc = 1;
    unsigned long started = 0, made = 0;
    for (; made < threads; made++) {
        ws[made].fd = -1;
        if (worker_init(&ws[made], port) != 0) {
            fprintf(stderr, "bench_h2o: cannot listen on 127.0.0.1:%lu\n", port);
            made++;
            goto cleanup;
        }
    }
    for (; started < threads; started++) {
        if (pthread_create(&ws[started].tid, NULL, run, &ws[started]) != 0) goto stop;
    }
    fprintf(stderr, "bench_h2o: listening on 127.0.0.1:%lu with %lu threads\n", port, threads);
    wait_for_stop(&waitset);
    rc = 0;
stop:
    atomic_store(&g_stop, 1);
    for (unsigned long i = 0; i < started; i++) pthread_join(ws[i].tid, NULL);
cleanup:
    for (unsigned long i = 0; i < made; i++) worker_free(&ws[i]);
    free(ws);
    h2o_config_dispose(&g_config);
    return rc;
}
