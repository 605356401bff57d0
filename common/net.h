/*
 * net: listening sockets from "host:port" settings, shared by every daemon.
 */
#ifndef CDN_NET_H
#define CDN_NET_H

#include <sys/socket.h>

/*
 * Bind and listen on addr ("host:port", "[v6]:port" or ":port"). With no
 * host, one dual-stack socket on [::] accepts IPv4 too (falling back to
 * 0.0.0.0 on hosts without IPv6). Port 0 picks a free port; *port_out gets
 * the bound port. Non-blocking, close-on-exec. Returns the fd or -1 (logged).
 */
int net_listen_tcp(const char *addr, int backlog, int *port_out);
/* "a.b.c.d:port" or "v6:port"; v4-mapped addresses print as IPv4. */
void net_addr_str(const struct sockaddr *sa, char *out, size_t outlen);

#endif
