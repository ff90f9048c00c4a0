/* Fuzz target: upstream URLs from users' settings (gitlab_url, jira_workspace,
 * repository URLs) taken apart and checked by upstream/netpolicy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upstream/netpolicy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	netpolicy_url u;
	if (netpolicy_parse_url(s, &u)) {
		/* a parsed host is non-empty, bounded, lower-case and printable */
		size_t n = strlen(u.host);
		if (n == 0 || n >= NETPOLICY_HOST_MAX || u.port == 0 || u.port > 65535)
			abort();
		for (size_t i = 0; i < n; i++)
			if (u.host[i] <= ' ' || u.host[i] >= 0x7F || (u.host[i] >= 'A' && u.host[i] <= 'Z'))
				abort();
		if (!netpolicy_same_origin_host(s, s))
			abort();
	}
	static const netpolicy policies[] = {{false, false, false}, {true, true, true}};
	for (size_t i = 0; i < 2; i++) {
		char err[200];
		err[0] = '\0';
		bool ok = netpolicy_check_url(&policies[i], s, err, sizeof err);
		if (!ok && (err[0] == '\0' || memchr(err, '\n', strlen(err))))
			abort(); /* a refusal always says why, on one line */
	}
	free(s);
	return 0;
}
