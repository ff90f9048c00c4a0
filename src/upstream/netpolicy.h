#ifndef PDT_UPSTREAM_NETPOLICY_H
#define PDT_UPSTREAM_NETPOLICY_H
/*
 * netpolicy: which upstream targets a user's settings may make pdt talk to
 * (issue 9). Dependency-free (libc only): address classification, the
 * policy decision, and a small parser for the scheme/host/port of a URL.
 *
 * Rules (UPSTREAM_* variables, CONTRACT §2):
 *  - link-local (169.254.0.0/16, fe80::/10), multicast and broadcast:
 *    always refused (cloud metadata lives at 169.254.169.254);
 *  - loopback (127.0.0.0/8, ::1) and unspecified ("this host": 0.0.0.0/8,
 *    ::): refused unless allow_loopback;
 *  - private (10/8, 172.16/12, 192.168/16, 100.64/10 carrier-grade NAT,
 *    fc00::/7, fec0::/10): allowed unless deny_private (self-hosted GitLab
 *    and Jira live there);
 *  - everything else: public, allowed.
 * IPv6 forms that embed an IPv4 address (::ffff:a.b.c.d mapped,
 * 64:ff9b::/96 NAT64) are classified by the IPv4 address.
 * A URL's token travels over plain http only to a loopback host (when
 * loopback is allowed) or when allow_http.
 *
 * Requests for the operator's GITHUB_API_URL are exempt: they carry no
 * policy at all (NULL). Ownership: nothing here allocates.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sockaddr;

typedef enum netpolicy_class {
	NETPOLICY_PUBLIC = 0,
	NETPOLICY_PRIVATE,
	NETPOLICY_LOOPBACK,
	NETPOLICY_UNSPECIFIED,
	NETPOLICY_LINKLOCAL,
	NETPOLICY_MULTICAST, /* also 255.255.255.255 and 240.0.0.0/4 (reserved) */
} netpolicy_class;

typedef struct netpolicy {
	bool allow_loopback; /* UPSTREAM_ALLOW_LOOPBACK */
	bool allow_http;     /* UPSTREAM_ALLOW_HTTP */
	bool deny_private;   /* UPSTREAM_DENY_PRIVATE */
} netpolicy;

/* Short words for messages: "public", "private", "loopback", ... */
const char *netpolicy_class_name(netpolicy_class c);

/* v4 in host byte order; v6 as its 16 network-order bytes. */
netpolicy_class netpolicy_classify_v4(uint32_t addr);
netpolicy_class netpolicy_classify_v6(const uint8_t addr[16]);
/* AF_INET / AF_INET6 sockaddr; any other family is NETPOLICY_MULTICAST
 * (refused: pdt only speaks TCP over IP). */
netpolicy_class netpolicy_classify_sockaddr(const struct sockaddr *sa);

/* Whether p lets a connection go to an address of class c. */
bool netpolicy_allows(const netpolicy *p, netpolicy_class c);

/* Checks one resolved address (the open-socket callback's). true = allowed;
 * false writes "upstream address 169.254.169.254 refused (link-local)" to err. */
bool netpolicy_check_sockaddr(const netpolicy *p, const struct sockaddr *sa, char *err,
			      size_t errlen);

#define NETPOLICY_HOST_MAX 256

/* scheme://[userinfo@]host[:port][/...] taken apart; host lower-cased,
 * IPv6 brackets and a trailing dot dropped; port the effective one. */
typedef struct netpolicy_url {
	bool https;
	char host[NETPOLICY_HOST_MAX];
	unsigned port; /* 443 / 80 when absent */
} netpolicy_url;

/* false for anything but http(s) with a non-empty host and a port in 1..65535. */
bool netpolicy_parse_url(const char *url, netpolicy_url *out);

/*
 * Checks a URL before anything is sent: it must parse; a literal IP host
 * must be allowed (as netpolicy_check_sockaddr); plain http needs allow_http
 * unless the host is loopback ("localhost", 127/8, ::1) and loopback is
 * allowed. true = allowed; false writes the reason to err.
 */
bool netpolicy_check_url(const netpolicy *p, const char *url, char *err, size_t errlen);

/* Same host (case-insensitive) and same effective port; false if either
 * does not parse. */
bool netpolicy_same_origin_host(const char *url_a, const char *url_b);

/* "host" or "host:port" (port shown only when not the scheme's default;
 * IPv6 in brackets) for messages. */
void netpolicy_host_text(const netpolicy_url *u, char *out, size_t n);

#endif
