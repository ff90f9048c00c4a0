/*
 * bench_evhttp — bench/ceiling.c's equivalent on libevent 2.1's evhttp
 * (Debian 12's libevent-dev): GET/HEAD answer {"status":"ok"}
 * (application/json, marked X-App: 1), other methods the JSON 405.
 * Thread model: evhttp is single-threaded per event_base, so this runs
 * THREADS independent loops (one event_base + evhttp each), each on its own
 * SO_REUSEPORT listener on the same port; the kernel spreads connections.
 *
 * usage: bench_evhttp PORT [THREADS]   (THREADS: $HTTP_THREADS, else 8)
 */
#include "common.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

struct worker {
    pthread_t tid;
    int fd;
    struct event_base *base;
    struct evhttp *http;
    struct event *tick;
};

static void handle(struct evhttp_request *req, void *arg) {
    (void)arg;
    struct evkeyvalq *out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", "application/json");
    evhttp_add_header(out, APP_MARK_NAME, APP_MARK_VALUE);
    enum evhttp_cmd_type m = evhttp_request_get_command(req);
    if (m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD) {
        struct evbuffer *b = evbuffer_new();
        if (b == NULL) {
            evhttp_send_error(req, 500, NULL);
            return;
        }
        evbuffer_add_reference(b, BODY, sizeof BODY - 1, NULL, NULL);
        evhttp_send_reply(req, 200, "OK", b);
        evbuffer_free(b);
        return;
    }
    evhttp_add_header(out, "Allow", "GET, HEAD");
    struct evbuffer *b = evbuffer_new();
    if (b == NULL) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    evbuffer_add_reference(b, BODY_405, sizeof BODY_405 - 1, NULL, NULL);
    evhttp_send_reply(req, 405, "Method Not Allowed", b);
    evbuffer_free(b);
}

/* Every 100 ms: leave the loop once the main thread saw a stop signal. */
static void on_tick(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    struct worker *w = arg;
    if (atomic_load(&g_stop)) event_base_loopbreak(w->base);
}

static void *run(void *arg) {
    struct worker *w = arg;
    event_base_dispatch(w->base);
    return NULL;
}

static void worker_free(struct worker *w) {
    if (w->tick != NULL) event_free(w->tick);
    if (w->http != NULL) evhttp_free(w->http); /* closes the bound socket */
    else if (w->fd >= 0) close(w->fd);
    if (w->base != NULL) event_base_free(w->base);
}

static int worker_init(struct worker *w, unsigned long port) {
    w->fd = listen_reuseport(port);
    if (w->fd < 0) return -1;
    w->base = event_base_new();
    if (w->base == NULL) return -1;
    w->http = evhttp_new(w->base);
    if (w->http == NULL) return -1;
    evhttp_set_timeout(w->http, 30);
    evhttp_set_gencb(w->http, handle, w);
    if (evhttp_accept_socket(w->http, w->fd) != 0) return -1;
    struct timeval tv = {0, 100000};
    w->tick = event_new(w->base, -1, EV_PERSIST, on_tick, w);
    if (w->tick == NULL || event_add(w->tick, &tv) != 0) return -1;
    return 0;
}

int main(int argc, char **argv) {
    unsigned long port = 0, threads = 0;
    if (parse_args(argc, argv, &port, &threads) != 0) return 2;
    sigset_t waitset;
    block_stop_signals(&waitset);

    struct worker *ws = calloc(threads, sizeof *ws);
    if (ws == NULL) return 1;
    int rc = 1;
    unsigned long started = 0, made = 0;
    for (; made < threads; made++) {
        ws[made].fd = -1;
        if (worker_init(&ws[made], port) != 0) {
            fprintf(stderr, "bench_evhttp: cannot listen on 127.0.0.1:%lu\n", port);
            made++;
            goto cleanup;
        }
    }
    for (; started < threads; started++) {
        if (pthread_create(&ws[started].tid, NULL, run, &ws[started]) != 0) goto stop;
    }
    fprintf(stderr, "bench_evhttp: listening on 127.0.0.1:%lu with %lu threads\n", port, threads);
    wait_for_stop(&waitset);
    rc = 0;
stop:
    atomic_store(&g_stop, 1);
    for (unsigned long i = 0; i < started; i++) pthread_join(ws[i].tid, NULL);
cleanup:
    for (unsigned long i = 0; i < made; i++) worker_free(&ws[i]);
    free(ws);
    return rc;
}
