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

bool targets_gitlab_host_ok(const char *gitlab_url, const char *repo_url, char *err,
			    size_t errlen)
{
	const char *base = targets_gitlab_base(gitlab_url);
	if (netpolicy_same_origin_host(base, repo_url))
		return true;
	netpolicy_url a, b;
	char ha[NETPOLICY_HOST_MAX + 16] = "?", hb[NETPOLICY_HOST_MAX + 16] = "?";
	if (netpolicy_parse_url(repo_url, &a))
		netpolicy_host_text(&a, ha, sizeof ha);
	if (netpolicy_parse_url(base, &b))
		netpolicy_host_text(&b, hb, sizeof hb);
	if (netpolicy_parse_url(repo_url, &a) && netpolicy_parse_url(base, &b) &&
	    a.https != b.https && a.port != b.port)
		snprintf(err, errlen,
			 "repository host %s%s does not match your gitlab_url host %s%s "
			 "(GitLab calls go to gitlab_url; add the repository with gitlab_url's "
			 "host or change gitlab_url)",
			 a.https ? "https://" : "http://", ha, b.https ? "https://" : "http://", hb);
	else
		snprintf(err, errlen,
			 "repository host %s does not match your gitlab_url host %s "
			 "(GitLab calls go to gitlab_url; add the repository with gitlab_url's "
			 "host or change gitlab_url)",
			 ha, hb);
	return false;
}
