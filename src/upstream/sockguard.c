#include "upstream/sockguard.h"

#include <sys/socket.h>

#include "core/banned.h"

static curl_socket_t guard_open(void *clientp, curlsocktype purpose, struct curl_sockaddr *a)
{
	sockguard *g = clientp;
	if (purpose == CURLSOCKTYPE_IPCXN &&
	    !netpolicy_check_sockaddr(g->policy, &a->addr, g->msg, sizeof g->msg)) {
		g->refused = true;
		return CURL_SOCKET_BAD; /* curl tries the next address, else fails to connect */
	}
	return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

void sockguard_install(CURL *e, sockguard *g)
{
	if (!g->policy)
		return;
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, guard_open);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, g);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
}
