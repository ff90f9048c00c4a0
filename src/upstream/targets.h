#ifndef PDT_UPSTREAM_TARGETS_H
#define PDT_UPSTREAM_TARGETS_H
/*
 * targets: where a user's upstream calls may go (issue 9, CONTRACT §3).
 *  - the netpolicy from the UPSTREAM_* variables (applied to users' GitLab
 *    and Jira targets; GITHUB_API_URL is the operator's and exempt);
 *  - GitLab calls go to the user's gitlab_url (default https://gitlab.com),
 *    never to the host in a repository URL: a GitLab repository is accepted
 *    (POST /api/repos) and synced only when its URL's host and port equal
 *    gitlab_url's (case-insensitive; default ports by scheme, so http and
 *    https on the same host are different). A repository added before
 *    gitlab_url changed is not synced or validated: a per-repository error
 *    naming both hosts, the token not sent anywhere, validity untouched.
 * Ownership: nothing allocated; returned strings are borrowed or static.
 */
#include <stdbool.h>
#include <stddef.h>

#include "core/config.h"
#include "upstream/netpolicy.h"

#define TARGETS_DEFAULT_GITLAB_URL "https://gitlab.com"

netpolicy targets_policy(const config *cfg);

/* gitlab_url, or the default when NULL or empty. */
const char *targets_gitlab_base(const char *gitlab_url);

/* true when repo_url's host and port are gitlab_url's (NULL/"" = the
 * default); else false with "repository host X does not match your
 * gitlab_url host Y (...)" in err. */
bool targets_gitlab_host_ok(const char *gitlab_url, const char *repo_url, char *err,
			    size_t errlen);

#endif
