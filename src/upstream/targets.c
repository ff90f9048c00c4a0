#include "upstream/targets.h"

#include <stdio.h>

#include "core/banned.h"

netpolicy targets_policy(const config *cfg)
{
	netpolicy p = {.allow_loopback = cfg->upstream_allow_loopback,
		       .allow_http = cfg->upstream_allow_http,
		       .deny_private = cfg->upstream_deny_private};
	return p;
}

const char *targets_gitlab_base(const char *gitlab_url)
{
	return gitlab_url && *gitlab_url ? gitlab_url : TARGETS_DEFAULT_GITLAB_URL;
}

/* "host[:port]" for a message; with the scheme when show_scheme (http and
 * https on the same host differ by their default ports). */
static void host_for_msg(const char *url, bool show_scheme, char *out, size_t n)
{
	netpolicy_url u;
	char h[NETPOLICY_HOST_MAX + 16];
	if (!netpolicy_parse_url(url, &u)) {
		snprintf(out, n, "?");
		return;
	}
	netpolicy_host_text(&u, h, sizeof h);
	snprintf(out, n, "%s%s", show_scheme ? (u.https ? "https://" : "http://") : "", h);
}

bool targets_gitlab_host_ok(const char *gitlab_url, const char *repo_url, char *err,
			    size_t errlen)
{
	const char *base = targets_gitlab_base(gitlab_url);
	if (netpolicy_same_origin_host(base, repo_url))
		return true;
	netpolicy_url a, b;
	bool schemes = netpolicy_parse_url(repo_url, &a) && netpolicy_parse_url(base, &b) &&
		       a.https != b.https;
	char ha[NETPOLICY_HOST_MAX + 32], hb[NETPOLICY_HOST_MAX + 32];
	host_for_msg(repo_url, schemes, ha, sizeof ha);
	host_for_msg(base, schemes, hb, sizeof hb);
	snprintf(err, errlen,
		 "repository host %s does not match your gitlab_url host %s (GitLab calls go "
		 "to gitlab_url; add the repository on gitlab_url's host or change gitlab_url)",
		 ha, hb);
	return false;
}
