#ifndef PDT_UPSTREAM_SOCKGUARD_H
#define PDT_UPSTREAM_SOCKGUARD_H
/*
 * sockguard: applies a netpolicy to one curl easy handle at connect time.
 * Every address curl is about to connect to (after its own DNS resolution,
 * so a name that rebinds to 169.254.169.254 between a check and the connect
 * cannot slip past) goes through CURLOPT_OPENSOCKETFUNCTION; a refused one
 * gets no socket, so not a packet is sent to it. The handle also ignores
 * proxy settings (http_proxy and friends): through a proxy, the address
 * checked would be the proxy's, not the target's.
 *
 * Ownership: the guard is the caller's and must outlive the transfer; the
 * policy is borrowed. The callback runs on whatever thread drives the
 * handle (the client's transfer loop): read refused/msg after the transfer.
 */
#include <curl/curl.h>
#include <stdbool.h>

#include "upstream/netpolicy.h"

typedef struct sockguard {
	const netpolicy *policy; /* NULL = no checks (the operator's GITHUB_API_URL) */
	bool refused;            /* some address was refused */
	char msg[160];           /* why, for the last refused address */
} sockguard;

/* Installs the checks on e when g->policy is set; no-op otherwise. */
void sockguard_install(CURL *e, sockguard *g);

#endif
