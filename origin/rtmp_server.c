/*
 * rtmp_server: epoll loop for RTMP connections; see rtmp_server.h.
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "buf.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "rtmp_server.h"
#include "rtmp_session.h"
#include "stream.h"
#include "xalloc.h"

#define READ_QUANTUM (64 * 1024)
#define MAX_EVENTS 128
#define TICK_MS 1000

struct conn {
	int fd;
	char peer[64];
	struct buf in, out;
	struct rtmp_session *sess;
	bool want_write;
	bool closing;           /* flush out, then close */
	struct conn *prev, *next;
};

struct rtmp_server {
	const struct origin_cfg *cfg;
	struct keys *keys;
	int lfd, epfd, port;
	struct conn *conns;
	long long n_conns;
	void (*on_sighup)(void *arg);   /* reload, in the loop's thread */
	void *on_sighup_arg;
};

/* Tags for epoll data: the listener and the signal fd are not connections. */
static char tag_listener, tag_signal;

struct rtmp_server *
rtmp_server_new(const struct origin_cfg *cfg, struct keys *keys)
{
	struct rtmp_server *srv = xcalloc(1, sizeof(*srv));
	struct epoll_event ev = { 0 };

	if (srv == NULL)
		return NULL;
	srv->cfg = cfg;
	srv->keys = keys;
	srv->epfd = -1;
	srv->lfd = net_listen_tcp(cfg->rtmp_listen, 511, &srv->port);
	if (srv->lfd == -1)
		goto fail;
	if ((srv->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_err("epoll_create1");
		goto fail;
	}
	ev.events = EPOLLIN;
	ev.data.ptr = &tag_listener;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, srv->lfd, &ev) == -1) {
		log_err("epoll_ctl");
		goto fail;
	}
	return srv;
fail:
	if (srv->lfd != -1)
		close(srv->lfd);
	if (srv->epfd != -1)
		close(srv->epfd);
	free(srv);
	return NULL;
}

int
rtmp_server_port(const struct rtmp_server *srv)
{
	return srv->port;
}

static void
conn_close(struct rtmp_server *srv, struct conn *c)
{
	rtmp_session_free(c->sess);   /* ends the stream: last segment, ENDLIST */
	log_ctx_clear();
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	buf_fini(&c->in);
	buf_fini(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		srv->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->n_conns--;
	METRIC_SUB(rtmp_connections, 1);
	free(c);
}

static void
set_want_write(struct rtmp_server *srv, struct conn *c, bool on)
{
	struct epoll_event ev = { 0 };

	if (c->want_write == on)
		return;
	c->want_write = on;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Write what we can. 0, or -1 when the connection is dead. */
static int
conn_flush(struct rtmp_server *srv, struct conn *c)
{
	while (c->out.len > 0) {
		ssize_t n = send(c->fd, c->out.data, c->out.len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		buf_consume(&c->out, (size_t)n);
	}
	set_want_write(srv, c, c->out.len > 0);
	return 0;
}

static void
accept_all(struct rtmp_server *srv, int64_t now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev = { 0 };
		struct conn *c;
		int one = 1;
		int fd = accept4(srv->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept");
			return;
		}
		METRIC_ADD(rtmp_connections_total, 1);
		if (srv->n_conns >= srv->cfg->rtmp_max_connections) {
			METRIC_ADD(rtmp_rejects[REJECT_LIMIT], 1);
			log_warnx("rtmp_max_connections (%lld) reached: connection refused",
			    srv->cfg->rtmp_max_connections);
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = xcalloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		c->fd = fd;
		net_addr_str((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
		/* Input holds at most one chunk beyond what was parsed. */
		buf_init(&c->in, (size_t)srv->cfg->rtmp_max_chunk_size + 2 * READ_QUANTUM);
		buf_init(&c->out, (size_t)srv->cfg->rtmp_out_buffer);
		c->sess = rtmp_session_new(srv->cfg, srv->keys, c->peer, now);
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (c->sess == NULL || epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			rtmp_session_free(c->sess);
			close(fd);
			free(c);
			continue;
		}
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		srv->n_conns++;
		METRIC_ADD(rtmp_connections, 1);
		log_debug("rtmp connection from %s", c->peer);
	}
}

/* One read quantum. Returns 0, or -1 to close. */
static int
conn_read(struct rtmp_server *srv, struct conn *c, int64_t now)
{
	size_t room, used = 0;
	ssize_t n;
	int rc;

	if (c->closing) {
		char sink[4096];
		n = recv(c->fd, sink, sizeof(sink), 0);
		return n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR) ? -1 : 0;
	}
	room = c->in.max - c->in.len;
	if (room > READ_QUANTUM)
		room = READ_QUANTUM;
	if (room == 0 || buf_reserve(&c->in, room) != 0) {
		log_warnx("input buffer full without a complete chunk: closing");
		return -1;
	}
	n = recv(c->fd, c->in.data + c->in.len, room, 0);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (n <= 0) {
		if (n == -1 && errno != ECONNRESET)
			log_info("rtmp read: %s", strerror(errno));
		return -1;
	}
	c->in.len += (size_t)n;
	rc = rtmp_session_input(c->sess, c->in.data, c->in.len, &used, &c->out, now);
	buf_consume(&c->in, used);
	if (rc < 0) {
		/* Send the last reply (an onStatus error), then close. */
		c->closing = true;
		conn_flush(srv, c);
		return c->out.len ? 0 : -1;
	}
	return conn_flush(srv, c);
}

static void
tick_all(struct rtmp_server *srv, int64_t now)
{
	struct conn *c, *next;
	struct timespec ts;

	for (c = srv->conns; c; c = next) {
		next = c->next;
		if (c->closing || rtmp_session_tick(c->sess, now) < 0)
			conn_close(srv, c);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	stream_registry_sweep((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
rtmp_server_on_sighup(struct rtmp_server *srv, void (*fn)(void *arg), void *arg)
{
	srv->on_sighup = fn;
	srv->on_sighup_arg = arg;
}

int
rtmp_server_run(struct rtmp_server *srv, int sigfd)
{
	struct epoll_event evs[MAX_EVENTS], ev = { 0 };
	int64_t last_tick = clock_mono_ms();

	ev.events = EPOLLIN;
	ev.data.ptr = &tag_signal;
	if (sigfd != -1 && epoll_ctl(srv->epfd, EPOLL_CTL_ADD, sigfd, &ev) == -1) {
		log_err("epoll_ctl signalfd");
		return -errno;
	}
	for (;;) {
		int n = epoll_wait(srv->epfd, evs, MAX_EVENTS, 200);
		int64_t now = clock_mono_ms();

		if (n == -1) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait");
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			struct conn *c = p;

			if (p == &tag_listener) {
				accept_all(srv, now);
				continue;
			}
			if (p == &tag_signal) {
				struct signalfd_siginfo si;
				if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						if (srv->on_sighup)
							srv->on_sighup(srv->on_sighup_arg);
						else
							log_info("SIGHUP: nothing to reload");
						continue;
					}
					return (int)si.ssi_signo;
				}
				continue;
			}
			if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN)) {
				conn_close(srv, c);
				continue;
			}
			if ((evs[i].events & EPOLLOUT) && conn_flush(srv, c) != 0) {
				conn_close(srv, c);
				continue;
			}
			if (c->closing && c->out.len == 0) {
				conn_close(srv, c);
				continue;
			}
			if ((evs[i].events & EPOLLIN) && conn_read(srv, c, now) != 0) {
				conn_close(srv, c);
				continue;
			}
			if (!c->closing && c->out.err) {
				log_warnx("send buffer overflow (peer not reading): closing");
				conn_close(srv, c);
			}
		}
		if (now - last_tick >= TICK_MS) {
			last_tick = now;
			tick_all(srv, now);
		}
	}
}

void
rtmp_server_free(struct rtmp_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns)
		conn_close(srv, srv->conns);
	close(srv->lfd);
	close(srv->epfd);
	free(srv);
}
