/*
 * bench_mhd — bench/httplibs' libmicrohttpd 0.9.75 server (until issue 9 it
 * was bench_ceiling, when pdt's HTTP layer was libmicrohttpd; the ceiling is
 * now the bare h2o server, h2o.c).
 *
 * A minimal libmicrohttpd server that answers every GET with the fixed body
 * {"status":"ok"} (Content-Type: application/json), run with the daemon
 * flags pdt used (src/http/server.c before issue 9): MHD_USE_POLL_INTERNAL_THREAD |
 * MHD_USE_ERROR_LOG | MHD_USE_ITC, a thread pool (MHD_OPTION_THREAD_POOL_SIZE)
 * and the same connection timeout and limit. The response object is created
 * once (MHD_RESPMEM_PERSISTENT) and reused for every request, so what is
 * measured is MHD plus the kernel, nothing else.
 *
 * usage: bench_mhd PORT [THREADS]
 *   THREADS defaults to $HTTP_THREADS, else 8. Binds 127.0.0.1 only.
 *   Runs until SIGINT or SIGTERM.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#if MHD_VERSION < 0x00097002
typedef int mhd_result;
#else
typedef enum MHD_Result mhd_result;
#endif

/* As src/http/server.c had them, so only the per-request work differs. */
#define CONNECTION_TIMEOUT_S 30
#define CONNECTION_LIMIT 1000
#define CONNECTION_MEMORY ((size_t)128 * 1024)

static const char BODY[] = "{\"status\":\"ok\"}";
static const char BODY_405[] = "{\"error\":\"method not allowed\"}";

struct responses {
    struct MHD_Response *ok;
    struct MHD_Response *not_allowed;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    (void)sig;
    g_stop = 1;
}

static mhd_result handle(void *cls, struct MHD_Connection *conn, const char *url,
                         const char *method, const char *version, const char *upload_data,
                         size_t *upload_data_size, void **req_cls) {
    (void)url;
    (void)version;
    (void)upload_data;
    const struct responses *r = cls;

    /* First call for a request: headers only; answer on the second call. */
    if (*req_cls == NULL) {
        *req_cls = (void *)1;
        return MHD_YES;
    }
    if (*upload_data_size != 0) { /* discard any body */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0) {
        return MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r->not_allowed);
    }
    return MHD_queue_response(conn, MHD_HTTP_OK, r->ok);
}

static void destroy_responses(struct responses *r) {
    if (r->ok != NULL) MHD_destroy_response(r->ok);
    if (r->not_allowed != NULL) MHD_destroy_response(r->not_allowed);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out) {
    if (s == NULL || *s == '\0') return -1;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > max || s[0] == '-') return -1;
    *out = v;
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s PORT [THREADS]\n", argv[0]);
        return 2;
    }
    unsigned long port = 0;
    if (parse_uint(argv[1], 65535, &port) != 0) {
        fprintf(stderr, "bench_ceiling: bad port '%s'\n", argv[1]);
        return 2;
    }
    unsigned long threads = 8;
    const char *tsrc = argc == 3 ? argv[2] : getenv("HTTP_THREADS");
    if (tsrc != NULL && *tsrc != '\0' && parse_uint(tsrc, 1024, &threads) != 0) {
        fprintf(stderr, "bench_ceiling: bad thread count '%s'\n", tsrc);
        return 2;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* Block the stop signals before MHD starts its threads (they inherit the
     * mask), so only sigsuspend() below sees them: no lost-wakeup race. */
    sigset_t stopset, waitset;
    sigemptyset(&stopset);
    sigaddset(&stopset, SIGINT);
    sigaddset(&stopset, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopset, &waitset);
    sigdelset(&waitset, SIGINT);
    sigdelset(&waitset, SIGTERM);

    /* Created once, reused for every request. */
    struct responses r = {
        .ok = MHD_create_response_from_buffer(sizeof BODY - 1, (void *)BODY,
                                              MHD_RESPMEM_PERSISTENT),
        .not_allowed = MHD_create_response_from_buffer(sizeof BODY_405 - 1, (void *)BODY_405,
                                                       MHD_RESPMEM_PERSISTENT),
    };
    if (r.ok == NULL || r.not_allowed == NULL ||
        MHD_add_response_header(r.ok, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") != MHD_YES ||
        MHD_add_response_header(r.not_allowed, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json") !=
            MHD_YES ||
        MHD_add_response_header(r.not_allowed, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") != MHD_YES) {
        fprintf(stderr, "bench_ceiling: cannot create responses\n");
        destroy_responses(&r);
        return 1;
    }

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC, (uint16_t)port, NULL,
        NULL, handle, &r, MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)CONNECTION_LIMIT, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)CONNECTION_MEMORY, MHD_OPTION_END);
    if (d == NULL) {
        fprintf(stderr, "bench_ceiling: cannot listen on 127.0.0.1:%lu\n", port);
        destroy_responses(&r);
        return 1;
    }
    fprintf(stderr, "bench_ceiling: listening on 127.0.0.1:%lu with %lu threads\n", port, threads);

    while (!g_stop) sigsuspend(&waitset);

    MHD_stop_daemon(d);
    destroy_responses(&r);
    return 0;
}
