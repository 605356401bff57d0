/*
 * http_guard: connection tracking, limits and the request deadline for
 * libmicrohttpd servers; see http_guard.h.
 *
 * Locking: track_lock guards the connection list and the per-address
 * table. A connection's deadline is an atomic, because the request's MHD
 * thread writes it and the sweeper reads it. The counters are relaxed
 * atomics.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "http_guard.h"
#include "ip_count.h"
#include "log.h"
#include "xalloc.h"

#define SWEEP_MS 250
#define IP_BUCKETS 1024

struct conn_track {
	struct conn_track *next, *prev;
	int dupfd;
	/* 0 while a request is being answered (no deadline). */
	atomic_int_fast64_t deadline_ms;
	struct ip_key ip;
	bool ip_counted;              /* in g->per_ip */
	_Alignas(max_align_t) unsigned char ext[];
};

struct http_guard {
	struct http_guard_cfg cfg;
	atomic_llong n_conns;
	atomic_uint_fast64_t refused[HTTP_REFUSE_N];
	pthread_mutex_t track_lock;
	struct conn_track *tracks;
	struct ip_count *per_ip;      /* only with max_per_ip */
	pthread_t sweeper;
	bool sweeper_started;
	atomic_bool stop;
};

static const char *const refuse_names[HTTP_REFUSE_N] = {
	"max_connections", "per_ip", "slow_request", "url_too_long", "body_too_large",
};

struct http_guard *
http_guard_new(const struct http_guard_cfg *cfg)
{
	struct http_guard *g = xcalloc(1, sizeof(*g));
	struct rlimit rl;

	if (g == NULL)
		return NULL;
	g->cfg = *cfg;
	if (g->cfg.name == NULL)
		g->cfg.name = "http";
	if (g->cfg.max_conn_key == NULL)
		g->cfg.max_conn_key = "http_max_connections";
	if (g->cfg.per_ip_key == NULL)
		g->cfg.per_ip_key = "http_max_per_ip";
	if (g->cfg.timeout_key == NULL)
		g->cfg.timeout_key = "http_timeout";
	if (cfg->max_per_ip > 0 && (g->per_ip = ip_count_new(IP_BUCKETS)) == NULL) {
		free(g);
		return NULL;
	}
	pthread_mutex_init(&g->track_lock, NULL);
	/* Two descriptors per client (the socket and its dup): raise the soft
	 * limit to the hard one. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	return g;
}

static void
refuse(struct http_guard *g, enum http_refuse why)
{
	atomic_fetch_add_explicit(&g->refused[why], 1, memory_order_relaxed);
}

void
http_guard_count(struct http_guard *g, enum http_refuse why)
{
	if (g && why < HTTP_REFUSE_N)
		refuse(g, why);
}

uint64_t
http_guard_refused(const struct http_guard *g, enum http_refuse why)
{
	return atomic_load_explicit(&g->refused[why], memory_order_relaxed);
}

long long
http_guard_connections(const struct http_guard *g)
{
	return atomic_load(&g->n_conns);
}

/* Refuse past the total or the per-address limit at once, instead of
 * leaving the client in the kernel's accept queue. The counts are taken
 * when a connection starts; http_guard_notify checks again then, so two
 * workers accepting at once cannot both slip past a limit. */
enum MHD_Result
http_guard_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct http_guard *g = cls;
	struct ip_key k;
	unsigned n;

	(void)addrlen;
	if (atomic_load(&g->n_conns) >= g->cfg.max_connections) {
		refuse(g, HTTP_REFUSE_MAX_CONNECTIONS);
		return MHD_NO;
	}
	if (g->per_ip == NULL || ip_key_from_sa(addr, &k) != 0)
		return MHD_YES;
	pthread_mutex_lock(&g->track_lock);
	n = ip_count_get(g->per_ip, &k);
	pthread_mutex_unlock(&g->track_lock);
	if (n >= (unsigned long long)g->cfg.max_per_ip) {
		refuse(g, HTTP_REFUSE_PER_IP);
		return MHD_NO;
	}
	return MHD_YES;
}

static struct conn_track *
track_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
	    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return ci ? ci->socket_context : NULL;
}

void *
http_guard_ext(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	return t ? t->ext : NULL;
}

void
http_guard_head_in(struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (t)
		atomic_store(&t->deadline_ms, 0);
}

void
http_guard_arm(struct http_guard *g, struct MHD_Connection *conn)
{
	struct conn_track *t = track_of(conn);

	if (t)
		atomic_store(&t->deadline_ms, clock_mono_ms() + g->cfg.head_timeout_ms);
}

void
http_guard_request_done(struct http_guard *g, struct MHD_Connection *conn)
{
	http_guard_arm(g, conn);
}

void
http_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct http_guard *g = cls;
	struct conn_track *t = *socket_context;
	enum http_refuse over = HTTP_REFUSE_N;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *fi =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		const union MHD_ConnectionInfo *ai =
		    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		long long n = atomic_fetch_add(&g->n_conns, 1) + 1;

		if ((t = xcalloc(1, sizeof(*t) + g->cfg.ext_size)) == NULL)
			return;
		t->dupfd = fi ? fcntl(fi->connect_fd, F_DUPFD_CLOEXEC, 0) : -1;
		atomic_init(&t->deadline_ms, clock_mono_ms() + g->cfg.head_timeout_ms);
		pthread_mutex_lock(&g->track_lock);
		t->next = g->tracks;
		if (g->tracks)
			g->tracks->prev = t;
		g->tracks = t;
		if (g->per_ip && ai && ip_key_from_sa(ai->client_addr, &t->ip) == 0) {
			unsigned c = ip_count_add(g->per_ip, &t->ip);
			t->ip_counted = c > 0;
			if (c > (unsigned long long)g->cfg.max_per_ip)
				over = HTTP_REFUSE_PER_IP;
		}
		pthread_mutex_unlock(&g->track_lock);
		if (n > g->cfg.max_connections)
			over = HTTP_REFUSE_MAX_CONNECTIONS;
		if (over != HTTP_REFUSE_N && t->dupfd != -1) {
			/* Slipped past the accept policy on another worker. */
			refuse(g, over);
			atomic_store(&t->deadline_ms, 0);
			shutdown(t->dupfd, SHUT_RDWR);
		}
		*socket_context = t;
		return;
	}
	atomic_fetch_sub(&g->n_conns, 1);
	if (t == NULL)
		return;
	pthread_mutex_lock(&g->track_lock);
	if (t->prev)
		t->prev->next = t->next;
	else
		g->tracks = t->next;
	if (t->next)
		t->next->prev = t->prev;
	if (t->ip_counted)
		ip_count_del(g->per_ip, &t->ip);
	pthread_mutex_unlock(&g->track_lock);
	if (t->dupfd != -1)
		close(t->dupfd);
	free(t);
	*socket_context = NULL;
}

static void *
sweeper_main(void *arg)
{
	struct http_guard *g = arg;
	uint64_t logged[HTTP_REFUSE_N] = { 0 };
	int64_t last_log = 0;

	log_ctx_set("%s-sweep", g->cfg.name);
	while (!atomic_load(&g->stop)) {
		struct timespec ts = { 0, SWEEP_MS * 1000 * 1000 };
		int64_t now = clock_mono_ms();
		size_t n = 0;

		pthread_mutex_lock(&g->track_lock);
		for (struct conn_track *t = g->tracks; t; t = t->next) {
			int_fast64_t dl = atomic_load(&t->deadline_ms);
			if (dl && now >= dl && t->dupfd != -1 &&
			    atomic_compare_exchange_strong(&t->deadline_ms, &dl, 0)) {
				shutdown(t->dupfd, SHUT_RDWR);
				n++;
			}
		}
		pthread_mutex_unlock(&g->track_lock);
		if (n) {
			atomic_fetch_add_explicit(&g->refused[HTTP_REFUSE_SLOW_HEAD], n,
			    memory_order_relaxed);
			log_info("%s: closed %zu connection(s) whose request head was not in "
			    "within %s (%lld ms)", g->cfg.name, n, g->cfg.timeout_key,
			    (long long)g->cfg.head_timeout_ms);
		}
		/* Refused connections: one line a second at most, whatever the flood. */
		if (now - last_log >= 1000) {
			uint64_t mc = http_guard_refused(g, HTTP_REFUSE_MAX_CONNECTIONS);
			uint64_t pi = http_guard_refused(g, HTTP_REFUSE_PER_IP);
			if (mc != logged[HTTP_REFUSE_MAX_CONNECTIONS])
				log_warnx("%s: refused %llu connection(s): %s (%lld) reached",
				    g->cfg.name,
				    (unsigned long long)(mc - logged[HTTP_REFUSE_MAX_CONNECTIONS]),
				    g->cfg.max_conn_key, g->cfg.max_connections);
			if (pi != logged[HTTP_REFUSE_PER_IP])
				log_warnx("%s: refused %llu connection(s): %s (%lld) reached for "
				    "a client address", g->cfg.name,
				    (unsigned long long)(pi - logged[HTTP_REFUSE_PER_IP]),
				    g->cfg.per_ip_key, g->cfg.max_per_ip);
			logged[HTTP_REFUSE_MAX_CONNECTIONS] = mc;
			logged[HTTP_REFUSE_PER_IP] = pi;
			last_log = now;
		}
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int
http_guard_start(struct http_guard *g)
{
	int rc;

	if ((rc = pthread_create(&g->sweeper, NULL, sweeper_main, g)) != 0) {
		log_warnx("%s: no sweeper thread: slow request heads are not cut short",
		    g->cfg.name);
		return -rc;
	}
	g->sweeper_started = true;
	return 0;
}

void
http_guard_free(struct http_guard *g)
{
	if (g == NULL)
		return;
	atomic_store(&g->stop, true);
	if (g->sweeper_started)
		pthread_join(g->sweeper, NULL);
	/* Every daemon stopped: MHD closed its connections (and we the dups). */
	while (g->tracks) {
		struct conn_track *t = g->tracks;
		g->tracks = t->next;
		if (t->dupfd != -1)
			close(t->dupfd);
		free(t);
	}
	ip_count_free(g->per_ip);
	pthread_mutex_destroy(&g->track_lock);
	free(g);
}

void
http_guard_render(const struct http_guard *g, struct buf *o, const char *prefix)
{
	buf_printf(o, "# HELP %s_http_connections HTTP connections open now.\n"
	    "# TYPE %s_http_connections gauge\n%s_http_connections %lld\n",
	    prefix, prefix, prefix, http_guard_connections(g));
	buf_printf(o, "# HELP %s_http_refused_total HTTP connections and requests refused "
	    "by a limit, by reason.\n# TYPE %s_http_refused_total counter\n", prefix, prefix);
	for (int i = 0; i < HTTP_REFUSE_N; i++)
		buf_printf(o, "%s_http_refused_total{reason=\"%s\"} %llu\n", prefix,
		    refuse_names[i], (unsigned long long)http_guard_refused(g, (enum http_refuse)i));
}
