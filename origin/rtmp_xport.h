/*
 * rtmp_xport: the byte transport under an RTMP connection, plain TCP (rtmp)
 * or TLS (rtmps). rtmp_server.c moves bytes only through these calls, so
 * both kinds of connection share one event loop, one set of limits and
 * timeouts, and the same handshake, chunk and session code.
 *
 * Calls never block. recv and send return a byte count, 0 at the end of
 * the stream (recv only), -EAGAIN when the socket is not ready, or another
 * negative errno (-EPROTO: the TLS peer failed its handshake or sent a bad
 * record, already logged). After -EAGAIN, rtmp_xport_wants_write() says
 * whether the transport waits for the socket to become writable (TLS may
 * need to write while reading); the loop then polls for EPOLLOUT and calls
 * recv again when it comes. rtmp_xport_has_pending() says that bytes were
 * already read from the socket and decrypted, so no epoll event will
 * announce them.
 */
#ifndef CDN_RTMP_XPORT_H
#define CDN_RTMP_XPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "tls_server.h"

struct rtmp_xport;

struct rtmp_xport_ops {
	const char *name;   /* "rtmp" or "rtmps" */
	ssize_t (*recv)(struct rtmp_xport *x, void *buf, size_t len);
	ssize_t (*send)(struct rtmp_xport *x, const void *buf, size_t len);
	bool (*wants_write)(const struct rtmp_xport *x);
	bool (*has_pending)(const struct rtmp_xport *x);
};

struct rtmp_xport {
	const struct rtmp_xport_ops *ops;
	int fd;                  /* owned: closed by rtmp_xport_close */
	struct tls_conn *tls;    /* rtmps only */
};

/* Plain TCP over fd (takes ownership of fd). Cannot fail. */
void rtmp_xport_init_tcp(struct rtmp_xport *x, int fd);
/*
 * TLS over fd with the context of ts (borrowed; takes ownership of fd only
 * on success). peer is copied, for log lines. 0 or -ENOMEM.
 */
int rtmp_xport_init_tls(struct rtmp_xport *x, int fd, struct tls_server *ts, const char *peer);
/* Whether a TLS handshake is still under way (false for TCP). */
bool rtmp_xport_in_handshake(const struct rtmp_xport *x);
/* End TLS (close_notify, best effort), close the socket. */
void rtmp_xport_close(struct rtmp_xport *x);

static inline ssize_t
rtmp_xport_recv(struct rtmp_xport *x, void *buf, size_t len)
{
	return x->ops->recv(x, buf, len);
}

static inline ssize_t
rtmp_xport_send(struct rtmp_xport *x, const void *buf, size_t len)
{
	return x->ops->send(x, buf, len);
}

static inline bool
rtmp_xport_wants_write(const struct rtmp_xport *x)
{
	return x->ops->wants_write(x);
}

static inline bool
rtmp_xport_has_pending(const struct rtmp_xport *x)
{
	return x->ops->has_pending(x);
}

#endif
