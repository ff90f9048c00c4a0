#include "http/peer.h"

#define H2O_USE_LIBUV 0
#include <h2o.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "core/banned.h"

size_t http_req_peer_key(const http_req *req, unsigned char out[HTTP_PEER_KEY_MAX])
{
	h2o_req_t *h = req->lib;
	struct sockaddr_storage ss;
	if (!h || !h->conn || !h->conn->callbacks->get_peername)
		return 0;
	memset(&ss, 0, sizeof ss);
	if (h->conn->callbacks->get_peername(h->conn, (struct sockaddr *)&ss) == 0)
		return 0;
	const struct sockaddr *sa = (const struct sockaddr *)&ss;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in4 = (const struct sockaddr_in *)(const void *)sa;
		out[0] = 4;
		memcpy(out + 1, &in4->sin_addr, 4);
		return 5;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const unsigned char *b = in6->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			out[0] = 4;
			memcpy(out + 1, b + 12, 4);
			return 5;
		}
		out[0] = 6;
		memcpy(out + 1, b, 8);
		return 9;
	}
	return 0;
}
