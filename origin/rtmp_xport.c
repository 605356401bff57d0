/*
 * rtmp_xport: plain TCP and TLS transports for RTMP; see rtmp_xport.h.
 */
#include "config.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rtmp_xport.h"

/* ---- plain TCP ---------------------------------------------------------- */

static ssize_t
tcp_recv(struct rtmp_xport *x, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(x->fd, buf, len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		return n;
	}
}

static ssize_t
tcp_send(struct rtmp_xport *x, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = send(x->fd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		return n == 0 ? -EPIPE : n;
	}
}

static bool
tcp_never(const struct rtmp_xport *x)
{
	(void)x;
	return false;
}

static const struct rtmp_xport_ops tcp_ops = {
	"rtmp", tcp_recv, tcp_send, tcp_never, tcp_never,
};

void
rtmp_xport_init_tcp(struct rtmp_xport *x, int fd)
{
	x->ops = &tcp_ops;
	x->fd = fd;
	x->tls = NULL;
}

/* ---- TLS ---------------------------------------------------------------- */

static ssize_t
tls_recv(struct rtmp_xport *x, void *buf, size_t len)
{
	return tls_conn_recv(x->tls, buf, len);
}

static ssize_t
tls_send(struct rtmp_xport *x, const void *buf, size_t len)
{
	return tls_conn_send(x->tls, buf, len);
}

static bool
tls_wants_write(const struct rtmp_xport *x)
{
	return tls_conn_wants_write(x->tls);
}

static bool
tls_has_pending(const struct rtmp_xport *x)
{
	return tls_conn_has_pending(x->tls);
}

static const struct rtmp_xport_ops tls_ops = {
	"rtmps", tls_recv, tls_send, tls_wants_write, tls_has_pending,
};

int
rtmp_xport_init_tls(struct rtmp_xport *x, int fd, struct tls_server *ts, const char *peer)
{
	struct tls_conn *tc = tls_conn_new(ts, fd, peer);

	if (tc == NULL)
		return -ENOMEM;
	x->ops = &tls_ops;
	x->fd = fd;
	x->tls = tc;
	return 0;
}

bool
rtmp_xport_in_handshake(const struct rtmp_xport *x)
{
	return x->tls != NULL && !tls_conn_is_established(x->tls);
}

void
rtmp_xport_close(struct rtmp_xport *x)
{
	tls_conn_free(x->tls);
	x->tls = NULL;
	if (x->fd != -1)
		close(x->fd);
	x->fd = -1;
}
