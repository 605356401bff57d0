/*
 * bgp_session: one BGP session; see bgp_session.h.
 *
 * RFC 4271 8.2.2 (the FSM, for the events an active-only speaker sees),
 * 4.4 / 10 (Hold time; KeepaliveTime a third of it; 240 s "large value"
 * in OpenSent), 6 (NOTIFICATION codes), RFC 6608 (FSM error subcodes),
 * RFC 4760 (families without the capability: IPv4 only), RFC 2918, RFC
 * 4724 2 (End-of-RIB), RFC 2385 (TCP MD5 signature).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "bgp_session.h"
#include "log.h"

#define OPENSENT_HOLD_MS 240000   /* RFC 4271 8.2.2: "large value" */
#define CONNECT_TIMEOUT_MS 5000
#define RETRY_MAX_MS 30000
#define OUT_MAX (1u << 20)

static const char *const state_names[] = {
	"Idle", "Connect", "Active", "OpenSent", "OpenConfirm", "Established",
};

const char *
bgp_state_name(enum bgp_state s)
{
	return (unsigned)s < 6 ? state_names[s] : "?";
}

static void
set_state(struct bgp_session *s, enum bgp_state st)
{
	if (s->state != st)
		log_info("bgp %s: %s -> %s", s->name, bgp_state_name(s->state), bgp_state_name(st));
	s->state = st;
}

void
bgp_session_init(struct bgp_session *s, const struct peer_cfg *cfg, const struct bgp_globals *g)
{
	memset(s, 0, sizeof(*s));
	s->cfg = *cfg;
	s->g = g;
	s->fd = -1;
	snprintf(s->name, sizeof(s->name), "%s AS%u", cfg->addr, (unsigned)cfg->remote_as);
	buf_init(&s->in, 2 * BGP_MAX_LEN + 64);
	buf_init(&s->out, OUT_MAX);
	s->retry_ms = g->connect_retry_ms;
	s->t_retry = 1;   /* connect at the first tick */
	s->ibgp = cfg->remote_as == (cfg->local_as ? cfg->local_as : g->local_as);
}

static void
close_fd(struct bgp_session *s)
{
	if (s->fd != -1)
		close(s->fd);
	s->fd = -1;
	buf_reset(&s->in);
	buf_reset(&s->out);
}

/* Back to Idle: close, forget the Adj-RIB-Out, retry after the backoff. */
static void
to_idle(struct bgp_session *s, int64_t now, const char *why)
{
	if (why) {
		snprintf(s->last_error, sizeof(s->last_error), "%s", why);
		log_warnx("bgp %s: %s", s->name, why);
	}
	close_fd(s);
	s->n_adj = 0;
	s->up_since_ms = 0;
	s->t_hold = s->t_keepalive = 0;
	s->t_retry = now + s->retry_ms;
	s->retry_ms = s->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : s->retry_ms * 2;
	set_state(s, BGP_IDLE);
}

static void
flush_out(struct bgp_session *s)
{
	while (s->out.len > 0 && s->fd != -1) {
		ssize_t n = send(s->fd, s->out.data, s->out.len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return;  /* EAGAIN: POLLOUT later; other errors show up on read */
		buf_consume(&s->out, (size_t)n);
	}
}

/* Queue and try to send one message built by fn into s->out. */
static int
queued(struct bgp_session *s, int rc)
{
	if (rc != 0 || s->out.err) {
		snprintf(s->last_error, sizeof(s->last_error), "send buffer: %s",
		    strerror(-(rc ? rc : s->out.err)));
		return -ENOBUFS;
	}
	flush_out(s);
	return 0;
}

static void
send_notification(struct bgp_session *s, uint8_t code, uint8_t subcode, const void *data,
    size_t len)
{
	buf_reset(&s->out);  /* nothing queued matters any more */
	if (bgp_build_notification(&s->out, code, subcode, data, len) == 0) {
		s->notif_sent++;
		flush_out(s);
	}
	log_warnx("bgp %s: sent NOTIFICATION %u/%u", s->name, code, subcode);
}

static void
fail_notify(struct bgp_session *s, int64_t now, const struct bgp_notify *n)
{
	char why[200];

	send_notification(s, n->code, n->subcode, n->data, n->data_len);
	snprintf(why, sizeof(why), "closing: %s (NOTIFICATION %u/%u)", n->why[0] ? n->why : "error",
	    n->code, n->subcode);
	to_idle(s, now, why);
}

static int
set_md5(int fd, const struct sockaddr *sa, socklen_t salen, const char *password)
{
	struct tcp_md5sig md5;
	size_t n = strlen(password);

	memset(&md5, 0, sizeof(md5));
	memcpy(&md5.tcpm_addr, sa, salen);
	md5.tcpm_keylen = (uint16_t)n;
	memcpy(md5.tcpm_key, password, n);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5));
}

static void
connect_start(struct bgp_session *s, int64_t now)
{
	struct sockaddr_storage ss, src;
	socklen_t sl = 0, srcl = 0;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	memset(&src, 0, sizeof(src));
	if (inet_pton(AF_INET, s->cfg.addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(s->cfg.port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, s->cfg.addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(s->cfg.port);
		sl = sizeof(struct sockaddr_in6);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		to_idle(s, now, "socket failed");
		return;
	}
	s->fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->cfg.password[0] && set_md5(fd, (struct sockaddr *)&ss, sl, s->cfg.password) == -1) {
		char why[128];
		snprintf(why, sizeof(why), "TCP MD5 signature: %s", strerror(errno));
		to_idle(s, now, why);
		return;
	}
	if (s->cfg.source[0]) {
		if (ss.ss_family == AF_INET &&
		    inet_pton(AF_INET, s->cfg.source, &((struct sockaddr_in *)&src)->sin_addr) == 1) {
			src.ss_family = AF_INET;
			srcl = sizeof(struct sockaddr_in);
		} else if (ss.ss_family == AF_INET6 && inet_pton(AF_INET6, s->cfg.source,
		    &((struct sockaddr_in6 *)&src)->sin6_addr) == 1) {
			src.ss_family = AF_INET6;
			srcl = sizeof(struct sockaddr_in6);
		}
		if (srcl == 0 || bind(fd, (struct sockaddr *)&src, srcl) == -1) {
			to_idle(s, now, "cannot bind the source address");
			return;
		}
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1 && errno != EINPROGRESS) {
		char why[128];
		snprintf(why, sizeof(why), "connect: %s", strerror(errno));
		to_idle(s, now, why);
		return;
	}
	s->t_hold = now + CONNECT_TIMEOUT_MS;
	set_state(s, BGP_CONNECT);
}

static void
learn_local_addr(struct bgp_session *s)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	s->has_local4 = s->has_local6 = false;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == -1)
		return;
	if (ss.ss_family == AF_INET) {
		s->local4 = ((struct sockaddr_in *)&ss)->sin_addr;
		s->has_local4 = true;
	} else if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(&s->local4, &a->s6_addr[12], 4);
			s->has_local4 = true;
		} else {
			s->local6 = *a;
			s->has_local6 = true;
		}
	}
}

static void
connected(struct bgp_session *s, int64_t now)
{
	struct bgp_open_params op = { 0 };
	int err = 0;
	socklen_t el = sizeof(err);

	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el) == -1 || err != 0) {
		char why[128];
		snprintf(why, sizeof(why), "connect: %s", strerror(err ? err : errno));
		to_idle(s, now, why);
		return;
	}
	learn_local_addr(s);
	op.my_as = s->cfg.local_as ? s->cfg.local_as : s->g->local_as;
	op.hold_s = s->cfg.has_hold ? s->cfg.hold_s : s->g->hold_s;
	op.bgp_id = s->g->router_id;
	op.mp_v4 = op.mp_v6 = true;
	op.graceful_restart = s->g->graceful_restart;
	op.restart_time_s = 120;
	if (queued(s, bgp_build_open(&s->out, &op)) != 0) {
		to_idle(s, now, s->last_error);
		return;
	}
	s->t_hold = now + OPENSENT_HOLD_MS;
	set_state(s, BGP_OPENSENT);
}

static void
arm_timers(struct bgp_session *s, int64_t now)
{
	if (s->hold_ms > 0) {
		s->t_hold = now + s->hold_ms;
		if (s->t_keepalive == 0)
			s->t_keepalive = now + s->hold_ms / 3;
	} else {
		s->t_hold = s->t_keepalive = 0;
	}
}

static int
on_open(struct bgp_session *s, const uint8_t *msg, size_t len, int64_t now)
{
	struct bgp_notify n = { 0 };
	uint16_t ours = s->cfg.has_hold ? s->cfg.hold_s : s->g->hold_s;

	if (bgp_open_parse(msg, len, &s->peer, &n) != 0) {
		fail_notify(s, now, &n);
		return -EPROTO;
	}
	if (s->peer.as != s->cfg.remote_as) {
		/* RFC 4271 6.2: Bad Peer AS, data = the AS field. */
		uint8_t d[2] = { (uint8_t)(s->peer.my_as2 >> 8), (uint8_t)s->peer.my_as2 };
		memset(&n, 0, sizeof(n));
		n.code = BGP_ERR_OPEN;
		n.subcode = 2;
		memcpy(n.data, d, 2);
		n.data_len = 2;
		snprintf(n.why, sizeof(n.why), "peer says AS%u, configured AS%u",
		    (unsigned)s->peer.as, (unsigned)s->cfg.remote_as);
		fail_notify(s, now, &n);
		return -EPROTO;
	}
	s->hold_ms = (int64_t)(s->peer.hold_s < ours ? s->peer.hold_s : ours) * 1000;
	s->as4 = s->peer.cap_as4;
	if (!s->peer.has_caps) {
		s->v4 = true;   /* RFC 4760 8: no capabilities, IPv4 unicast only */
		s->v6 = false;
	} else {
		s->v4 = s->peer.cap_mp_v4;
		s->v6 = s->peer.cap_mp_v6;
	}
	if (queued(s, bgp_build_keepalive(&s->out)) != 0) {
		to_idle(s, now, s->last_error);
		return -ENOBUFS;
	}
	s->t_keepalive = 0;
	arm_timers(s, now);
	log_info("bgp %s: OPEN: hold %lld s, as4 %s, ipv4 %s, ipv6 %s, route refresh %s",
	    s->name, (long long)(s->hold_ms / 1000), s->as4 ? "yes" : "no", s->v4 ? "yes" : "no",
	    s->v6 ? "yes" : "no", s->peer.cap_route_refresh ? "yes" : "no");
	set_state(s, BGP_OPENCONFIRM);
	return 0;
}

static void
fsm_error(struct bgp_session *s, int64_t now, uint8_t type)
{
	struct bgp_notify n = { 0 };

	n.code = BGP_ERR_FSM;
	/* RFC 6608: 1 OpenSent, 2 OpenConfirm, 3 Established */
	n.subcode = s->state == BGP_OPENSENT ? 1 : s->state == BGP_OPENCONFIRM ? 2 : 3;
	snprintf(n.why, sizeof(n.why), "unexpected message type %u in %s", type,
	    bgp_state_name(s->state));
	fail_notify(s, now, &n);
}

/* One framed message. Returns 0 to go on, -1 when the session closed. */
static int
on_message(struct bgp_session *s, uint8_t type, const uint8_t *msg, size_t len, int64_t now,
    const struct route *routes, size_t n_routes)
{
	struct bgp_notify n = { 0 };
	struct bgp_update_info u;
	uint8_t code, sub;
	uint16_t afi;
	uint8_t safi;

	if (type == BGP_NOTIFICATION) {
		char why[128];
		s->notif_recv++;
		if (bgp_notification_parse(msg, len, &code, &sub) != 0)
			code = sub = 0;
		snprintf(why, sizeof(why), "peer sent NOTIFICATION %u/%u", code, sub);
		to_idle(s, now, why);
		return -1;
	}
	switch (s->state) {
	case BGP_OPENSENT:
		if (type != BGP_OPEN) {
			fsm_error(s, now, type);
			return -1;
		}
		return on_open(s, msg, len, now) == 0 ? 0 : -1;
	case BGP_OPENCONFIRM:
		if (type != BGP_KEEPALIVE) {
			fsm_error(s, now, type);
			return -1;
		}
		arm_timers(s, now);
		s->established_total++;
		s->up_since_ms = clock_wall_ms();
		s->retry_ms = s->g->connect_retry_ms;
		s->last_error[0] = '\0';
		s->n_adj = 0;
		s->need_eor = true;
		s->warned_nh = false;
		set_state(s, BGP_ESTABLISHED);
		bgp_session_sync(s, routes, n_routes);
		return 0;
	case BGP_ESTABLISHED:
		if (s->hold_ms > 0)
			s->t_hold = now + s->hold_ms;   /* RFC 4271 8.2.2: KEEPALIVE or UPDATE */
		if (type == BGP_KEEPALIVE)
			return 0;
		if (type == BGP_UPDATE) {
			s->updates_recv++;
			if (bgp_update_parse(msg, len, s->as4, &u, &n) != 0) {
				fail_notify(s, now, &n);
				return -1;
			}
			if (u.treat_as_withdraw || u.n_discarded) {
				s->treat_as_withdraw += u.treat_as_withdraw;
				log_warnx("bgp %s: UPDATE %s (RFC 7606): %s", s->name,
				    u.treat_as_withdraw ? "treated as withdraw" : "attribute discarded",
				    u.why[0] ? u.why : "malformed attribute");
			}
			return 0;
		}
		if (type == BGP_ROUTE_REFRESH) {
			if (bgp_route_refresh_parse(msg, len, &afi, &safi, &n) != 0) {
				fail_notify(s, now, &n);
				return -1;
			}
			log_info("bgp %s: route refresh for AFI %u SAFI %u: announcing again", s->name,
			    afi, safi);
			s->n_adj = 0;       /* RFC 2918 4: send the Adj-RIB-Out again */
			s->need_eor = true;
			bgp_session_sync(s, routes, n_routes);
			return 0;
		}
		fsm_error(s, now, type);
		return -1;
	default:
		return 0;
	}
}

void
bgp_session_on_io(struct bgp_session *s, short revents, int64_t now, const struct route *routes,
    size_t n_routes)
{
	struct bgp_notify n;
	uint8_t type;
	uint16_t mlen;

	if (s->fd == -1)
		return;
	if (s->state == BGP_CONNECT) {
		if (revents & (POLLOUT | POLLERR | POLLHUP))
			connected(s, now);
		return;
	}
	if (revents & POLLOUT)
		flush_out(s);
	if (!(revents & (POLLIN | POLLERR | POLLHUP)))
		return;
	for (;;) {
		ssize_t r;
		if (buf_reserve(&s->in, BGP_MAX_LEN) != 0) {
			to_idle(s, now, "receive buffer full");
			return;
		}
		r = recv(s->fd, s->in.data + s->in.len, s->in.cap - s->in.len, 0);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (r <= 0) {
			char why[128];
			snprintf(why, sizeof(why), "connection %s", r == 0 ? "closed by the peer" :
			    strerror(errno));
			to_idle(s, now, why);
			return;
		}
		s->in.len += (size_t)r;
		/* Frame and handle every whole message. */
		while (s->in.len >= BGP_HDR_LEN) {
			memset(&n, 0, sizeof(n));
			if (bgp_hdr_check(s->in.data, s->in.len, &type, &mlen, &n) != 0) {
				fail_notify(s, now, &n);
				return;
			}
			if (s->in.len < mlen)
				break;
			if (on_message(s, type, s->in.data, mlen, now, routes, n_routes) != 0)
				return;
			buf_consume(&s->in, mlen);
		}
	}
}

int
bgp_session_fd(const struct bgp_session *s, short *events)
{
	if (s->fd == -1)
		return -1;
	*events = s->state == BGP_CONNECT ? POLLOUT : POLLIN;
	if (s->out.len > 0)
		*events |= POLLOUT;
	return s->fd;
}

int64_t
bgp_session_tick(struct bgp_session *s, int64_t now)
{
	int64_t next = INT64_MAX;

	if (s->state == BGP_IDLE) {
		if (s->t_retry && now >= s->t_retry) {
			s->t_retry = 0;
			connect_start(s, now);
		}
	} else if (s->t_hold && now >= s->t_hold) {
		if (s->state == BGP_CONNECT) {
			to_idle(s, now, "connect timed out");
		} else {
			send_notification(s, BGP_ERR_HOLD, 0, NULL, 0);
			to_idle(s, now, "hold timer expired (NOTIFICATION 4/0)");
		}
	} else if (s->t_keepalive && now >= s->t_keepalive &&
	    (s->state == BGP_OPENCONFIRM || s->state == BGP_ESTABLISHED)) {
		if (queued(s, bgp_build_keepalive(&s->out)) != 0)
			to_idle(s, now, s->last_error);
		else
			s->t_keepalive = now + s->hold_ms / 3;
	}
	if (s->state == BGP_IDLE && s->t_retry)
		next = s->t_retry;
	if (s->t_hold && s->t_hold < next)
		next = s->t_hold;
	if (s->t_keepalive && s->t_keepalive < next)
		next = s->t_keepalive;
	return next;
}

/* ---- Adj-RIB-Out ------------------------------------------------------------- */

static bool
prefix_eq(const struct bgp_prefix *a, const struct bgp_prefix *b)
{
	return a->family == b->family && a->len == b->len && memcmp(a->addr, b->addr, 16) == 0;
}

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* Per-session attributes of r. False when the session cannot carry it. */
static bool
make_attrs(const struct bgp_session *s, const struct route *r, struct bgp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	if (r->prefix.family == AF_INET) {
		if (!s->v4)
			return false;
		if (s->g->has_nh4)
			a->next_hop_v4 = s->g->nh4;
		else if (s->has_local4)
			a->next_hop_v4 = s->local4;
		else
			return false;   /* an IPv6 session needs next_hop_v4 for IPv4 routes */
	} else {
		if (!s->v6)
			return false;
		if (s->g->has_nh6)
			a->next_hop_v6 = s->g->nh6;
		else if (s->has_local6)
			a->next_hop_v6 = s->local6;
		else
			return false;   /* an IPv4 session needs next_hop_v6 for IPv6 routes */
	}
	a->local_as = s->cfg.local_as ? s->cfg.local_as : s->g->local_as;
	a->prepend = s->g->prepend;
	a->ibgp = s->ibgp;
	a->as4 = s->as4;
	a->has_med = r->has_med;
	a->med = r->med;
	memcpy(a->communities, r->communities, r->n_communities * sizeof(r->communities[0]));
	a->n_communities = r->n_communities;
	memcpy(a->large, r->large, r->n_large * sizeof(r->large[0]));
	a->n_large = r->n_large;
	return true;
}

void
bgp_session_sync(struct bgp_session *s, const struct route *routes, size_t n_routes)
{
	struct bgp_attrs a;
	size_t i, j;

	if (s->state != BGP_ESTABLISHED)
		return;
	/* Withdraw what is no longer wanted (or no longer carried). */
	for (i = 0; i < s->n_adj;) {
		bool keep = false;
		for (j = 0; j < n_routes && !keep; j++)
			keep = prefix_eq(&s->adj[i].prefix, &routes[j].prefix) &&
			    make_attrs(s, &routes[j], &a);
		if (keep) {
			i++;
			continue;
		}
		if (queued(s, bgp_build_withdraw(&s->out, &s->adj[i].prefix)) != 0)
			goto fail;
		s->updates_sent++;
		s->adj[i] = s->adj[--s->n_adj];
	}
	/* Announce what is new or changed. */
	for (j = 0; j < n_routes; j++) {
		uint64_t h;
		if (!make_attrs(s, &routes[j], &a)) {
			bool family_ok = routes[j].prefix.family == AF_INET ? s->v4 : s->v6;
			if (family_ok && !s->warned_nh) {
				char ps[64];
				bgp_prefix_str(&routes[j].prefix, ps, sizeof(ps));
				log_warnx("bgp %s: %s not announced: no %s next hop on this session "
				    "(set next_hop_%s)", s->name, ps, routes[j].prefix.family ==
				    AF_INET ? "IPv4" : "IPv6", routes[j].prefix.family == AF_INET ?
				    "v4" : "v6");
				s->warned_nh = true;
			}
			continue;
		}
		h = fnv(fnv(1469598103934665603ULL, &routes[j].prefix, sizeof(routes[j].prefix)), &a,
		    sizeof(a));
		for (i = 0; i < s->n_adj && !prefix_eq(&s->adj[i].prefix, &routes[j].prefix); i++)
			;
		if (i < s->n_adj && s->adj[i].attr_hash == h)
			continue;
		if (i == s->n_adj && s->n_adj == BGP_ADJ_MAX)
			continue;
		if (queued(s, bgp_build_announce(&s->out, &routes[j].prefix, &a)) != 0)
			goto fail;
		s->updates_sent++;
		s->adj[i].prefix = routes[j].prefix;
		s->adj[i].attr_hash = h;
		if (i == s->n_adj)
			s->n_adj++;
	}
	if (s->need_eor) {
		if ((s->v4 && queued(s, bgp_build_eor(&s->out, AF_INET)) != 0) ||
		    (s->v6 && queued(s, bgp_build_eor(&s->out, AF_INET6)) != 0))
			goto fail;
		s->need_eor = false;
	}
	return;
fail:
	log_warnx("bgp %s: cannot queue an UPDATE: %s", s->name, s->last_error);
}

void
bgp_session_shutdown(struct bgp_session *s, uint8_t subcode)
{
	if (s->fd != -1 && s->state >= BGP_OPENSENT) {
		int fl = fcntl(s->fd, F_GETFL);
		struct timeval tv = { 1, 0 };
		/* Flush the Cease with a bounded blocking send, then close. */
		buf_reset(&s->out);
		if (bgp_build_notification(&s->out, BGP_ERR_CEASE, subcode, NULL, 0) == 0) {
			if (fl != -1)
				fcntl(s->fd, F_SETFL, fl & ~O_NONBLOCK);
			setsockopt(s->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
			flush_out(s);
			s->notif_sent++;
		}
		log_info("bgp %s: sent NOTIFICATION Cease %u/%u", s->name, BGP_ERR_CEASE, subcode);
	}
	close_fd(s);
	s->n_adj = 0;
	s->t_retry = s->t_hold = s->t_keepalive = 0;
	s->up_since_ms = 0;
	set_state(s, BGP_IDLE);
}

void
bgp_session_fini(struct bgp_session *s)
{
	close_fd(s);
	buf_fini(&s->in);
	buf_fini(&s->out);
}
