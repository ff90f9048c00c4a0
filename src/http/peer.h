#ifndef PDT_HTTP_PEER_H
#define PDT_HTTP_PEER_H
/*
 * peer: who is on the other end of a request's socket, as a compact key for
 * per-client limits (auth/throttle). Only the socket address counts:
 * X-Forwarded-For and the like are client-written and never trusted. (Behind
 * a reverse proxy every client therefore shares the proxy's address.)
 *
 * The key is a family tag byte followed by
 *   - IPv4: the 4 address bytes (an IPv4-mapped IPv6 peer counts as IPv4);
 *   - IPv6: the /64 prefix (8 bytes) — one host usually holds a whole /64,
 *     so counting single IPv6 addresses would not limit anyone.
 */
#include <stddef.h>

#include "http/http.h"

#define HTTP_PEER_KEY_MAX 9

/* Writes the key into out; returns its length, 0 when the address is unknown. */
size_t http_req_peer_key(const http_req *req, unsigned char out[HTTP_PEER_KEY_MAX]);

#endif
