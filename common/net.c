/*
 * net: listening sockets; see net.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"
#include "net.h"

static int
try_bind(const struct addrinfo *ai, int v6only, int backlog)
{
	int fd, one = 1;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
		return fd;
	close(fd);
	return -1;
}

int
net_listen_tcp(const char *addr, int backlog, int *port_out)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char host[256], portstr[16];
	int port, fd = -1, rc;

	if (conf_split_addr(addr, host, sizeof(host), &port) != 0) {
		log_errx("%s: not a listen address (host:port)", addr);
		return -1;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	const char *tries[2] = { host[0] ? host : "::", host[0] ? NULL : "0.0.0.0" };
	for (int t = 0; t < 2 && fd == -1 && tries[t]; t++) {
		if ((rc = getaddrinfo(tries[t], portstr, &hints, &res)) != 0) {
			if (t == 1 || host[0])
				log_errx("listen %s: %s", addr, gai_strerror(rc));
			continue;
		}
		for (ai = res; ai && fd == -1; ai = ai->ai_next)
			fd = try_bind(ai, host[0] ? 1 : 0, backlog);
		freeaddrinfo(res);
		res = NULL;
	}
	if (fd == -1) {
		log_err("listen %s: cannot bind", addr);
		return -1;
	}
	if (port_out) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		*port_out = 0;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
			*port_out = ntohs(ss.ss_family == AF_INET6 ?
			    ((struct sockaddr_in6 *)&ss)->sin6_port :
			    ((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

void
net_addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], host, sizeof(host));
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof(host));
		port = ntohs(s6->sin6_port);
	} else if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &s4->sin_addr, host, sizeof(host));
		port = ntohs(s4->sin_port);
	}
	snprintf(out, outlen, "%s:%d", host, port);
}
