/*
 * Shared by the bench/httplibs servers: argument parsing, the stop signals and
 * a SO_REUSEPORT listener on 127.0.0.1, so each library file only holds what
 * differs. Header-only (static functions); each server is one translation unit.
 *
 * Every server answers GET and HEAD with BODY and marks that answer with the
 * header APP_MARK, so compare.py can tell an answer from the application apart
 * from one the library made itself; other methods get BODY_405 (as ceiling.c).
 */
#ifndef HTTPLIBS_COMMON_H
#define HTTPLIBS_COMMON_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define BODY "{\"status\":\"ok\"}"
#define BODY_405 "{\"error\":\"method not allowed\"}"
#define APP_MARK_NAME "X-App"
#define APP_MARK_VALUE "1"
#define MAX_THREADS 1024

/* Set by the main thread once SIGINT or SIGTERM arrives; workers poll it. */
static atomic_int g_stop;
static volatile sig_atomic_t g_signalled;

static void on_signal(int sig) {
    (void)sig;
    g_signalled = 1;
}

static inline int parse_uint(const char *s, unsigned long max, unsigned long *out) {
    if (s == NULL || *s == '\0' || s[0] == '-') return -1;
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v == 0 || v > max) return -1;
    *out = v;
    return 0;
}

/* usage: NAME PORT [THREADS]; THREADS defaults to $HTTP_THREADS, else 8. */
static inline int parse_args(int argc, char **argv, unsigned long *port, unsigned long *threads) {
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s PORT [THREADS]\n", argv[0]);
        return -1;
    }
    if (parse_uint(argv[1], 65535, port) != 0) {
        fprintf(stderr, "%s: bad port '%s'\n", argv[0], argv[1]);
        return -1;
    }
    *threads = 8;
    const char *tsrc = argc == 3 ? argv[2] : getenv("HTTP_THREADS");
    if (tsrc != NULL && *tsrc != '\0' && parse_uint(tsrc, MAX_THREADS, threads) != 0) {
        fprintf(stderr, "%s: bad thread count '%s'\n", argv[0], tsrc);
        return -1;
    }
    return 0;
}

/* Blocks SIGINT/SIGTERM (threads started later inherit the mask, so only
 * wait_for_stop() sees them) and fills *waitset for sigsuspend(). */
static inline void block_stop_signals(sigset_t *waitset) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigset_t stopset;
    sigemptyset(&stopset);
    sigaddset(&stopset, SIGINT);
    sigaddset(&stopset, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stopset, waitset);
    sigdelset(waitset, SIGINT);
    sigdelset(waitset, SIGTERM);
}

static inline void wait_for_stop(const sigset_t *waitset) {
    while (!g_signalled) sigsuspend(waitset);
    atomic_store(&g_stop, 1);
}

/* A non-blocking listening socket on 127.0.0.1:port with SO_REUSEPORT, so
 * each event-loop thread can own one and the kernel spreads connections. */
static inline int listen_reuseport(unsigned long port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 1024) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

#endif
