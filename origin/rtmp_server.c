/*
 * rtmp_server: epoll loop for RTMP and RTMPS connections; see rtmp_server.h.
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
#include "ip_count.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "rtmp_server.h"
#include "rtmp_session.h"
#include "rtmp_xport.h"
#include "stream.h"
#include "recording.h"
#include "tls_server.h"
#include "xalloc.h"

#define READ_QUANTUM (64 * 1024)
#define MAX_EVENTS 128
#define TICK_MS 1000

struct conn {
	struct rtmp_xport x;    /* TCP or TLS: the only difference between them */
	char peer[64];
	struct ip_key ip;       /* counted in per_ip when ip_counted */
	bool ip_counted;
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
	int tls_lfd, tls_port;  /* RTMPS listener; -1 when off */
	struct tls_server *tls;
	struct conn *conns;
	long long n_conns;
	struct ip_count *per_ip;        /* connections per address; with rtmp_max_per_ip */
	uint64_t per_ip_refused;        /* since the last log line */
	int64_t per_ip_logged_ms;
	void (*on_sighup)(void *arg);   /* reload, in the loop's thread */
	void *on_sighup_arg;
};

/* Tags for epoll data: the listeners and the signal fd are not connections. */
static char tag_listener, tag_tls_listener, tag_signal;

/* Watch lfd for new connections, tagged with tag. */
static int
watch_listener(struct rtmp_server *srv, int lfd, void *tag)
{
	struct epoll_event ev = { 0 };

	ev.events = EPOLLIN;
	ev.data.ptr = tag;
	if (epoll_ctl(srv->epfd, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		log_err("epoll_ctl");
		return -errno;
	}
	return 0;
}

/*
 * RTMPS needs both a certificate and a key; with neither it is off. The
 * files are checked here, so a bad pair stops the start.
 */
static int
tls_listen(struct rtmp_server *srv, const struct origin_cfg *cfg)
{
	char err[512];

	if ((cfg->rtmps_cert == NULL || !cfg->rtmps_cert[0]) &&
	    (cfg->rtmps_key == NULL || !cfg->rtmps_key[0])) {
		log_info("RTMPS off: rtmps_cert and rtmps_key are not set");
		return 0;
	}
	if ((srv->tls = tls_server_new(cfg->rtmps_cert, cfg->rtmps_key, err, sizeof(err))) == NULL) {
		log_errx("%s", err);
		return -EINVAL;
	}
	srv->tls_lfd = net_listen_tcp(cfg->rtmps_listen, 511, &srv->tls_port);
	if (srv->tls_lfd == -1)
		return -EADDRINUSE;
	return watch_listener(srv, srv->tls_lfd, &tag_tls_listener);
}

struct rtmp_server *
rtmp_server_new(const struct origin_cfg *cfg, struct keys *keys)
{
	struct rtmp_server *srv = xcalloc(1, sizeof(*srv));

	if (srv == NULL)
		return NULL;
	srv->cfg = cfg;
	srv->keys = keys;
	srv->epfd = -1;
	srv->tls_lfd = -1;
	srv->tls_port = -1;
	if (cfg->rtmp_max_per_ip > 0 && (srv->per_ip = ip_count_new(256)) == NULL)
		goto fail;
	srv->lfd = net_listen_tcp(cfg->rtmp_listen, 511, &srv->port);
	if (srv->lfd == -1)
		goto fail;
	if ((srv->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		log_err("epoll_create1");
		goto fail;
	}
	if (watch_listener(srv, srv->lfd, &tag_listener) != 0 || tls_listen(srv, cfg) != 0)
		goto fail;
	return srv;
fail:
	if (srv->lfd != -1)
		close(srv->lfd);
	if (srv->tls_lfd != -1)
		close(srv->tls_lfd);
	if (srv->epfd != -1)
		close(srv->epfd);
	tls_server_free(srv->tls);
	ip_count_free(srv->per_ip);
	free(srv);
	return NULL;
}

int
rtmp_server_port(const struct rtmp_server *srv)
{
	return srv->port;
}

int
rtmp_server_tls_port(const struct rtmp_server *srv)
{
	return srv->tls_port;
}

static void
conn_close(struct rtmp_server *srv, struct conn *c)
{
	rtmp_session_free(c->sess);   /* ends the stream: last segment, ENDLIST */
	log_ctx_clear();
	epoll_ctl(srv->epfd, EPOLL_CTL_DEL, c->x.fd, NULL);
	if (c->x.tls)
		METRIC_SUB(rtmps_connections, 1);
	rtmp_xport_close(&c->x);
	buf_fini(&c->in);
	buf_fini(&c->out);
	if (c->ip_counted)
		ip_count_del(srv->per_ip, &c->ip);
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

/*
 * Poll for writability while replies wait to be sent, or while TLS must
 * write before it can read on (its handshake flight, on a full socket).
 */
static void
update_want_write(struct rtmp_server *srv, struct conn *c)
{
	struct epoll_event ev = { 0 };
	bool on = c->out.len > 0 || rtmp_xport_wants_write(&c->x);

	if (c->want_write == on)
		return;
	c->want_write = on;
	ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
	ev.data.ptr = c;
	epoll_ctl(srv->epfd, EPOLL_CTL_MOD, c->x.fd, &ev);
}

/* Write what we can. 0, or -1 when the connection is dead. */
static int
conn_flush(struct rtmp_server *srv, struct conn *c)
{
	while (c->out.len > 0) {
		ssize_t n = rtmp_xport_send(&c->x, c->out.data, c->out.len);
		if (n == -EAGAIN)
			break;
		if (n < 0)
			return -1;
		buf_consume(&c->out, (size_t)n);
	}
	update_want_write(srv, c);
	return 0;
}

/*
 * rtmp_max_per_ip: true when sa already holds that many connections. The
 * refusal is counted; the log gets one line a second at most, so a flood
 * from one address cannot flood the log.
 */
static bool
per_ip_refuse(struct rtmp_server *srv, const struct sockaddr *sa, int64_t now)
{
	struct ip_key k;
	char who[64];

	if (srv->per_ip == NULL || ip_key_from_sa(sa, &k) != 0 ||
	    ip_count_get(srv->per_ip, &k) < (unsigned long long)srv->cfg->rtmp_max_per_ip)
		return false;
	METRIC_ADD(rtmp_rejects[REJECT_PER_IP], 1);
	srv->per_ip_refused++;
	if (now - srv->per_ip_logged_ms >= 1000) {
		net_addr_str(sa, who, sizeof(who));
		log_warnx("rtmp_max_per_ip (%lld) reached: %llu connection(s) refused, the last "
		    "from %s", srv->cfg->rtmp_max_per_ip, (unsigned long long)srv->per_ip_refused,
		    who);
		srv->per_ip_refused = 0;
		srv->per_ip_logged_ms = now;
	}
	return true;
}

/*
 * Accept on lfd; with tls, connections speak TLS first. Both kinds share
 * one connection limit, and the session's handshake deadline starts at
 * accept, so it covers the TLS handshake too.
 */
static void
accept_all(struct rtmp_server *srv, int lfd, struct tls_server *tls, int64_t now)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct epoll_event ev = { 0 };
		struct conn *c;
		int one = 1;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("accept");
			return;
		}
		METRIC_ADD(rtmp_connections_total, 1);
		if (tls)
			METRIC_ADD(rtmps_connections_total, 1);
		if (srv->n_conns >= srv->cfg->rtmp_max_connections) {
			METRIC_ADD(rtmp_rejects[REJECT_LIMIT], 1);
			log_warnx("rtmp_max_connections (%lld) reached: connection refused",
			    srv->cfg->rtmp_max_connections);
			close(fd);
			continue;
		}
		if (per_ip_refuse(srv, (struct sockaddr *)&ss, now)) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = xcalloc(1, sizeof(*c));
		if (c == NULL) {
			close(fd);
			continue;
		}
		net_addr_str((struct sockaddr *)&ss, c->peer, sizeof(c->peer));
		if (tls == NULL) {
			rtmp_xport_init_tcp(&c->x, fd);
		} else if (rtmp_xport_init_tls(&c->x, fd, tls, c->peer) != 0) {
			close(fd);
			free(c);
			continue;
		}
		/* Input holds at most one chunk beyond what was parsed. */
		buf_init(&c->in, (size_t)srv->cfg->rtmp_max_chunk_size + 2 * READ_QUANTUM);
		buf_init(&c->out, (size_t)srv->cfg->rtmp_out_buffer);
		c->sess = rtmp_session_new(srv->cfg, srv->keys, c->x.ops->name, c->peer, now);
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		if (c->sess == NULL || epoll_ctl(srv->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			rtmp_session_free(c->sess);
			rtmp_xport_close(&c->x);
			buf_fini(&c->in);
			buf_fini(&c->out);
			free(c);
			continue;
		}
		c->next = srv->conns;
		if (srv->conns)
			srv->conns->prev = c;
		srv->conns = c;
		srv->n_conns++;
		if (srv->per_ip && ip_key_from_sa((struct sockaddr *)&ss, &c->ip) == 0)
			c->ip_counted = ip_count_add(srv->per_ip, &c->ip) > 0;
		METRIC_ADD(rtmp_connections, 1);
		if (tls)
			METRIC_ADD(rtmps_connections, 1);
		log_debug("%s connection from %s", c->x.ops->name, c->peer);
	}
}

/*
 * Feed one read of at most READ_QUANTUM to the session. Returns 0, 1 when
 * the transport has more decrypted bytes ready, or -1 to close.
 */
static int
conn_read_once(struct conn *c, int64_t now)
{
	size_t room, used = 0;
	ssize_t n;
	int rc;

	if (c->closing) {
		char sink[4096];
		n = rtmp_xport_recv(&c->x, sink, sizeof(sink));
		return n == 0 || (n < 0 && n != -EAGAIN) ? -1 : 0;
	}
	room = c->in.max - c->in.len;
	if (room > READ_QUANTUM)
		room = READ_QUANTUM;
	if (room == 0 || buf_reserve(&c->in, room) != 0) {
		log_warnx("input buffer full without a complete chunk: closing");
		return -1;
	}
	n = rtmp_xport_recv(&c->x, c->in.data + c->in.len, room);
	if (n == -EAGAIN)
		return 0;
	if (n <= 0) {
		if (n == -EPROTO && rtmp_xport_in_handshake(&c->x))
			METRIC_ADD(rtmps_handshake_failures, 1);   /* logged by tls_server */
		else if (n < 0 && n != -ECONNRESET && n != -EPROTO)
			log_info("%s read: %s", c->x.ops->name, strerror((int)-n));
		return -1;
	}
	c->in.len += (size_t)n;
	rc = rtmp_session_input(c->sess, c->in.data, c->in.len, &used, &c->out, now);
	buf_consume(&c->in, used);
	if (rc < 0) {
		/* Send the last reply (an onStatus error), then close. */
		c->closing = true;
		return 0;
	}
	return rtmp_xport_has_pending(&c->x) ? 1 : 0;
}

/*
 * One read quantum, plus what TLS already decrypted (no epoll event would
 * announce it; it is at most one record), then send the replies. Returns 0,
 * or -1 to close.
 */
static int
conn_read(struct rtmp_server *srv, struct conn *c, int64_t now)
{
	int rc;

	while ((rc = conn_read_once(c, now)) == 1)
		;
	if (rc < 0)
		return -1;
	if (conn_flush(srv, c) != 0)
		return -1;
	return c->closing && c->out.len == 0 ? -1 : 0;
}

static void
tick_all(struct rtmp_server *srv, int64_t now)
{
	struct conn *c, *next;
	struct timespec ts;

	for (c = srv->conns; c; c = next) {
		next = c->next;
		if (c->closing) {
			conn_close(srv, c);
		} else if (rtmp_session_tick(c->sess, now) < 0) {
			if (rtmp_xport_in_handshake(&c->x)) {
				METRIC_ADD(rtmps_handshake_failures, 1);
				log_ctx_set("rtmps %s", c->peer);
				log_info("TLS handshake not finished within %lld ms",
				    (long long)srv->cfg->handshake_timeout_ms);
			}
			conn_close(srv, c);
		}
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	stream_registry_sweep((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	recordings_sweep((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
rtmp_server_on_sighup(struct rtmp_server *srv, void (*fn)(void *arg), void *arg)
{
	srv->on_sighup = fn;
	srv->on_sighup_arg = arg;
}

/*
 * SIGHUP: reread the RTMPS certificate and key (a renewal). Connections
 * already open keep the old ones; a bad pair keeps the old ones for all.
 */
static void
reload(struct rtmp_server *srv)
{
	char err[512];

	if (srv->tls == NULL)
		return;   /* RTMPS is off */
	if (tls_server_reload(srv->tls, err, sizeof(err)) != 0) {
		log_warnx("SIGHUP: keeping the previous RTMPS certificate: %s", err);
		return;
	}
	log_info("SIGHUP: RTMPS certificate and key reloaded from %s", srv->cfg->rtmps_cert);
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

			log_ctx_clear();   /* no line may carry the previous connection's */

			if (p == &tag_listener || p == &tag_tls_listener) {
				accept_all(srv, p == &tag_listener ? srv->lfd : srv->tls_lfd,
				    p == &tag_listener ? NULL : srv->tls, now);
				continue;
			}
			if (p == &tag_signal) {
				struct signalfd_siginfo si;
				if (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGHUP) {
						reload(srv);
						if (srv->on_sighup)
							srv->on_sighup(srv->on_sighup_arg);
						else if (srv->tls == NULL)
							log_info("SIGHUP: nothing to reload (no TLS configured)");
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
			/* TLS may have stopped reading until it could write. */
			if ((evs[i].events & EPOLLOUT) && rtmp_xport_wants_write(&c->x))
				evs[i].events |= EPOLLIN;
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
	if (srv->tls_lfd != -1)
		close(srv->tls_lfd);
	close(srv->epfd);
	tls_server_free(srv->tls);
	ip_count_free(srv->per_ip);
	free(srv);
}
