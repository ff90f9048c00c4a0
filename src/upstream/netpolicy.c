#include "upstream/netpolicy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/repourl.h"
#include "core/banned.h"

const char *netpolicy_class_name(netpolicy_class c)
{
	switch (c) {
	case NETPOLICY_PUBLIC: return "public";
	case NETPOLICY_PRIVATE: return "private";
	case NETPOLICY_LOOPBACK: return "loopback";
	case NETPOLICY_UNSPECIFIED: return "unspecified";
	case NETPOLICY_LINKLOCAL: return "link-local";
	case NETPOLICY_MULTICAST: return "multicast or reserved";
	}
	return "unknown";
}

static bool in4(uint32_t a, uint32_t net, int bits)
{
	uint32_t mask = bits == 0 ? 0 : 0xFFFFFFFFu << (32 - bits);
	return (a & mask) == (net & mask);
}

netpolicy_class netpolicy_classify_v4(uint32_t a)
{
	if (in4(a, 0x00000000u, 8))
		return NETPOLICY_UNSPECIFIED; /* 0.0.0.0/8: "this host" */
	if (in4(a, 0x7F000000u, 8))
		return NETPOLICY_LOOPBACK;
	if (in4(a, 0xA9FE0000u, 16))
		return NETPOLICY_LINKLOCAL; /* 169.254/16: cloud metadata */
	if (in4(a, 0xE0000000u, 4) || in4(a, 0xF0000000u, 4))
		return NETPOLICY_MULTICAST; /* 224/4, 240/4 reserved, 255.255.255.255 */
	if (in4(a, 0x0A000000u, 8) || in4(a, 0xAC100000u, 12) || in4(a, 0xC0A80000u, 16) ||
	    in4(a, 0x64400000u, 10))
		return NETPOLICY_PRIVATE; /* 10/8, 172.16/12, 192.168/16, 100.64/10 */
	return NETPOLICY_PUBLIC;
}

static uint32_t v4_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

netpolicy_class netpolicy_classify_v6(const uint8_t a[16])
{
	static const uint8_t zero[16] = {0};
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
	static const uint8_t nat64[12] = {0, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0};
	if (memcmp(a, zero, 16) == 0)
		return NETPOLICY_UNSPECIFIED;
	if (memcmp(a, zero, 15) == 0 && a[15] == 1)
		return NETPOLICY_LOOPBACK;
	if (memcmp(a, mapped, 12) == 0 || memcmp(a, nat64, 12) == 0)
		return netpolicy_classify_v4(v4_at(a + 12));
	if (a[0] == 0xFE && (a[1] & 0xC0) == 0x80)
		return NETPOLICY_LINKLOCAL; /* fe80::/10 */
	if (a[0] == 0xFF)
		return NETPOLICY_MULTICAST;
	if ((a[0] & 0xFE) == 0xFC || (a[0] == 0xFE && (a[1] & 0xC0) == 0xC0))
		return NETPOLICY_PRIVATE; /* fc00::/7 unique local, fec0::/10 site-local */
	return NETPOLICY_PUBLIC;
}

netpolicy_class netpolicy_classify_sockaddr(const struct sockaddr *sa)
{
	if (sa && sa->sa_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		return netpolicy_classify_v4(ntohl(in.sin_addr.s_addr));
	}
	if (sa && sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		return netpolicy_classify_v6(in6.sin6_addr.s6_addr);
	}
	return NETPOLICY_MULTICAST;
}

bool netpolicy_allows(const netpolicy *p, netpolicy_class c)
{
	switch (c) {
	case NETPOLICY_PUBLIC: return true;
	case NETPOLICY_PRIVATE: return !p->deny_private;
	case NETPOLICY_LOOPBACK:
	case NETPOLICY_UNSPECIFIED: return p->allow_loopback;
	case NETPOLICY_LINKLOCAL:
	case NETPOLICY_MULTICAST: return false;
	}
	return false;
}

static void refusal(char *err, size_t errlen, const char *addr, netpolicy_class c)
{
	snprintf(err, errlen, "upstream address %s refused (%s)", addr, netpolicy_class_name(c));
}

bool netpolicy_check_sockaddr(const netpolicy *p, const struct sockaddr *sa, char *err,
			      size_t errlen)
{
	netpolicy_class c = netpolicy_classify_sockaddr(sa);
	if (netpolicy_allows(p, c))
		return true;
	char text[INET6_ADDRSTRLEN] = "?";
	if (sa && sa->sa_family == AF_INET) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
	} else if (sa && sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
	}
	refusal(err, errlen, text, c);
	return false;
}

/* ---- URL text ---- */

/* Splits the authority (userinfo already dropped) into host and port. */
static bool take_host_port(const char *a, size_t n, netpolicy_url *out)
{
	const char *host = a, *colon = NULL;
	size_t hlen;
	if (n && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (!close)
			return false;
		host = a + 1;
		hlen = (size_t)(close - host);
		size_t rest = n - (size_t)(close + 1 - a);
		if (rest && close[1] != ':')
			return false;
		colon = rest ? close + 1 : NULL;
	} else {
		colon = memchr(a, ':', n);
		hlen = colon ? (size_t)(colon - a) : n;
	}
	if (colon && !repourl_port(colon + 1, n - (size_t)(colon + 1 - a), &out->port))
		return false;
	if (hlen && host[hlen - 1] == '.')
		hlen--;
	if (hlen == 0 || hlen >= sizeof out->host)
		return false;
	for (size_t i = 0; i < hlen; i++) {
		unsigned char ch = (unsigned char)host[i];
		if (ch <= ' ' || ch >= 0x7F || ch == '@' || ch == '[' || ch == ']')
			return false;
		out->host[i] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	out->host[hlen] = '\0';
	return true;
}

bool netpolicy_parse_url(const char *url, netpolicy_url *out)
{
	memset(out, 0, sizeof *out);
	const char *s = url;
	if (!s || !repourl_scheme(&s, &out->https))
		return false;
	size_t n = strcspn(s, "/?#\\");
	const char *at = NULL;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '@')
			at = s + i; /* the last '@' ends the userinfo, as curl reads it */
	if (at) {
		n -= (size_t)(at + 1 - s);
		s = at + 1;
	}
	out->port = out->https ? 443 : 80;
	if (!take_host_port(s, n, out)) {
		memset(out, 0, sizeof *out);
		return false;
	}
	return true;
}

/* The class of a literal IP host; false when the host is a name. */
static bool literal_class(const char *host, netpolicy_class *c)
{
	struct in_addr v4;
	struct in6_addr v6;
	if (inet_pton(AF_INET, host, &v4) == 1) {
		*c = netpolicy_classify_v4(ntohl(v4.s_addr));
		return true;
	}
	if (inet_pton(AF_INET6, host, &v6) == 1) {
		*c = netpolicy_classify_v6(v6.s6_addr);
		return true;
	}
	return false;
}

static bool is_localhost_name(const char *h)
{
	size_t n = strlen(h);
	return strcmp(h, "localhost") == 0 ||
	       (n > 10 && strcmp(h + n - 10, ".localhost") == 0); /* RFC 6761 */
}

bool netpolicy_check_url(const netpolicy *p, const char *url, char *err, size_t errlen)
{
	netpolicy_url u;
	if (!netpolicy_parse_url(url, &u)) {
		snprintf(err, errlen, "upstream URL is not a usable http(s) URL");
		return false;
	}
	netpolicy_class c = NETPOLICY_PUBLIC;
	bool literal = literal_class(u.host, &c);
	if (!literal && is_localhost_name(u.host))
		c = NETPOLICY_LOOPBACK;
	if ((literal || c == NETPOLICY_LOOPBACK) && !netpolicy_allows(p, c)) {
		refusal(err, errlen, u.host, c);
		return false;
	}
	if (!u.https && !p->allow_http && c != NETPOLICY_LOOPBACK) {
		char ht[NETPOLICY_HOST_MAX + 16];
		netpolicy_host_text(&u, ht, sizeof ht);
		snprintf(err, errlen,
			 "plain http to %s refused: a token would travel unencrypted "
			 "(use https, or set UPSTREAM_ALLOW_HTTP=true)", ht);
		return false;
	}
	return true;
}

bool netpolicy_same_origin_host(const char *url_a, const char *url_b)
{
	netpolicy_url a, b;
	if (!netpolicy_parse_url(url_a, &a) || !netpolicy_parse_url(url_b, &b))
		return false;
	return a.port == b.port && strcmp(a.host, b.host) == 0;
}

void netpolicy_host_text(const netpolicy_url *u, char *out, size_t n)
{
	bool v6 = strchr(u->host, ':') != NULL;
	bool dflt = u->port == (u->https ? 443u : 80u);
	if (dflt)
		snprintf(out, n, v6 ? "[%s]" : "%s", u->host);
	else
		snprintf(out, n, v6 ? "[%s]:%u" : "%s:%u", u->host, u->port);
}
