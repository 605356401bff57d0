/*
 * srt_server: the SRT listener, its accept thread and one thread per
 * publisher; see srt_server.h.
 *
 * Keys: the listen callback runs on libsrt's receiver thread and the
 * publisher threads run on their own, so the server has its own SQLite
 * connection (keys.h: one thread at a time) behind a mutex. The callback
 * checks the key; the publisher thread looks it up again when it starts
 * (the key may have been revoked in between, and the callback cannot hand
 * the stream_key over to the accepted socket).
 *
 * Busy streams: the callback also refuses a key whose stream a live
 * publisher holds (SRT_REJX_CONFLICT), so the caller learns why instead of
 * being accepted and dropped. That look is only a hint, taken from a copy
 * of the registry (stream_list): a publisher may start or stop between the
 * handshake and the claim, so stream_publish's EBUSY stays the authority.
 *
 * Slots: srt_max_publishers slots, owned by the accept thread, which also
 * joins finished publishers. n_active is read by the listen callback to
 * refuse callers beyond the limit during the handshake.
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <libavformat/avformat.h>
#include <srt/access_control.h>
#include <srt/srt.h>

#include "av_ingest.h"
#include "clock.h"
#include "conf.h"
#include "keys.h"
#include "log.h"
#include "metrics.h"
#include "net.h"
#include "srt_server.h"
#include "srt_streamid.h"
#include "stream.h"
#include "xalloc.h"

#define SRT_RECV_WAIT_MS 250      /* srt_recv timeout: how often stop and idle are checked */
#define SRT_ACCEPT_WAIT_MS 200
#define SRT_MSG_MAX 1500          /* live mode: one message is at most one UDP payload */
#define SRT_AVIO_BUF 32768
#define SRT_PASSPHRASE_MIN 10     /* libsrt: SRTO_PASSPHRASE is 10 to 79 characters */
#define SRT_PASSPHRASE_MAX 79
#define SRT_LOG_EVERY_MS 1000
#define SRT_BUSY_LIST_FIRST 64    /* stream_list entries tried first, doubled while full */
#define SRT_BUSY_LIST_MAX 65536   /* beyond this the handshake does not look: the claim does */

struct srt_pub {
	struct srt_server *srv;
	pthread_t thread;
	bool used;                    /* accept thread only */
	atomic_bool done;             /* the publisher thread finished */
	SRTSOCKET sock;
	char peer[64];
	struct av_ingest_ctl ctl;
	uint8_t stage[SRT_MSG_MAX];   /* one received message not yet read by lavf */
	size_t stage_off, stage_len;
	bool logged_end;
};

struct srt_server {
	const struct origin_cfg *cfg;
	SRTSOCKET lsn;
	int eid;
	int port;
	pthread_t accept_thread;
	bool accept_started;
	bool srt_started;             /* srt_startup succeeded: srt_cleanup at the end */
	atomic_bool stop;
	atomic_int n_active;
	pthread_mutex_t keys_lock;
	struct keys *keys;
	struct srt_pub *pubs;
	size_t n_pubs;
};

/* libsrt's own log lines, at most one a second (garbage input can be loud). */
static pthread_mutex_t srt_log_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t srt_log_last_ms;

static void
srt_log_to_ours(void *opaque, int level, const char *file, int line, const char *area,
    const char *msg)
{
	int64_t now = clock_mono_ms();
	bool emit;

	(void)opaque;
	(void)file;
	(void)line;
	(void)area;
	pthread_mutex_lock(&srt_log_lock);
	emit = now - srt_log_last_ms >= SRT_LOG_EVERY_MS;
	if (emit)
		srt_log_last_ms = now;
	pthread_mutex_unlock(&srt_log_lock);
	if (emit)
		log_emit(level <= LOG_ERR ? LOG_LVL_WARN : LOG_LVL_INFO, 0, "libsrt: %.*s",
		    (int)strcspn(msg, "\n"), msg);
}

int
srt_server_check_cfg(const struct origin_cfg *cfg, char *err, size_t errlen)
{
	size_t n = cfg->srt_passphrase ? strlen(cfg->srt_passphrase) : 0;

	if (n != 0 && (n < SRT_PASSPHRASE_MIN || n > SRT_PASSPHRASE_MAX)) {
		snprintf(err, errlen, "srt_passphrase: %zu characters; SRT takes %d to %d",
		    n, SRT_PASSPHRASE_MIN, SRT_PASSPHRASE_MAX);
		return -EINVAL;
	}
	return 0;
}

/* Look a secret up under the server's lock. As keys_lookup. */
static int
lookup_key(struct srt_server *srv, const char *secret, struct stream_key *out)
{
	int rc;

	pthread_mutex_lock(&srv->keys_lock);
	rc = keys_lookup(srv->keys, secret, out);
	pthread_mutex_unlock(&srv->keys_lock);
	return rc;
}

/*
 * Whether a live publisher holds stream name, for the handshake. Reads a
 * copy of the registry, so the answer may be stale by the time the caller
 * is accepted; false when unsure (out of memory, a registry larger than
 * SRT_BUSY_LIST_MAX): stream_publish refuses a busy stream anyway. Any thread.
 */
static bool
stream_name_is_live(const char *name)
{
	struct stream_info *si = NULL;
	size_t cap = SRT_BUSY_LIST_FIRST, n = 0;
	bool live = false;

	for (;;) {
		free(si);
		if ((si = xreallocarray(NULL, cap, sizeof(*si))) == NULL)
			return false;
		n = stream_list(si, cap);
		if (n < cap)
			break;  /* the whole registry */
		if (cap >= SRT_BUSY_LIST_MAX) {
			n = 0;
			break;
		}
		cap *= 2;
	}
	for (size_t i = 0; i < n && !live; i++)
		live = si[i].live && strcmp(si[i].name, name) == 0;
	free(si);
	return live;
}

/*
 * Read the stream ID and check it: 0 with *key filled, or an SRT
 * access-control reject code (logged, without the secret).
 */
static int
check_streamid(struct srt_server *srv, const char *sid, size_t len, struct stream_key *key)
{
	struct srt_streamid id;
	int rc, why;

	rc = srt_streamid_parse(sid, len, &id);
	if (rc == -ENOENT) {
		log_info("refused: stream ID has no r=<stream key>");
		return SRT_REJX_BAD_REQUEST;
	}
	if (rc == -EINVAL) {
		log_info("refused: stream ID has an unknown m= or t= value");
		return SRT_REJX_BAD_REQUEST;
	}
	if (rc != 0) {
		log_info("refused: malformed stream ID (%zu bytes)", len);
		return SRT_REJX_BAD_REQUEST;
	}
	if (id.mode != SRT_SID_PUBLISH) {
		log_info("refused: m=%s (this origin takes m=publish only)",
		    srt_streamid_mode_name(id.mode));
		why = SRT_REJX_BAD_MODE;
		goto out;
	}
	if (id.type != SRT_SID_STREAM) {
		log_info("refused: t= other than stream");
		why = SRT_REJX_NOTSUP_MEDIA;
		goto out;
	}
	rc = lookup_key(srv, id.key, key);
	if (rc == -ENOENT || rc == -EACCES) {
		log_info("publish refused: %s stream key", rc == -ENOENT ? "unknown" : "revoked");
		why = SRT_REJX_UNAUTHORIZED;
	} else if (rc != 0) {
		log_warnx("publish refused: key check failed (%s)", strerror(-rc));
		why = SRT_REJX_ISE;
	} else {
		why = 0;
	}
out:
	explicit_bzero(&id, sizeof(id));
	return why;
}

static void
addr_str(const struct sockaddr *sa, char *out, size_t outlen)
{
	if (sa == NULL) {
		snprintf(out, outlen, "?");
		return;
	}
	net_addr_str(sa, out, outlen);
}

/* libsrt's listen callback: during the handshake, before any data. */
static int
on_listen(void *opaque, SRTSOCKET ns, int hsversion, const struct sockaddr *peeraddr,
    const char *streamid)
{
	struct srt_server *srv = opaque;
	struct stream_key key;
	char peer[64];
	int why;

	(void)hsversion;
	addr_str(peeraddr, peer, sizeof(peer));
	log_ctx_set("srt %s", peer);
	if (atomic_load(&srv->stop)) {
		why = SRT_REJX_DOWN;
	} else if (atomic_load(&srv->n_active) >= (int)srv->n_pubs) {
		log_info("refused: %zu SRT publishers already (srt_max_publishers)", srv->n_pubs);
		why = SRT_REJX_OVERLOAD;
	} else if ((long long)atomic_load(&metrics.publishers) >= srv->cfg->max_publishers) {
		log_warnx("refused: max_publishers (%lld) reached", srv->cfg->max_publishers);
		why = SRT_REJX_OVERLOAD;
	} else if (streamid == NULL || streamid[0] == '\0') {
		log_info("refused: no stream ID (use streamid=#!::r=<stream key>,m=publish)");
		why = SRT_REJX_BAD_REQUEST;
	} else {
		why = check_streamid(srv, streamid, strnlen(streamid, SRT_STREAMID_MAX + 1), &key);
		if (why == 0 && stream_name_is_live(key.stream)) {
			/* As RTMP refuses it; the claim checks again (see the top). */
			log_info("refused: stream %s is already live (another publisher holds it)",
			    key.stream);
			why = SRT_REJX_CONFLICT;
		}
	}
	log_ctx_clear();
	if (why == 0)
		return 0;
	srt_setrejectreason(ns, why);
	return -1;
}

/* ---- one publisher ---------------------------------------------------------- */

/* AVIOContext read: one SRT message at a time, waking up to check the ctl. */
static int
pub_read(void *opaque, uint8_t *buf, int size)
{
	struct srt_pub *pub = opaque;

	while (pub->stage_off == pub->stage_len) {
		int n;

		if (av_ingest_interrupt_cb(&pub->ctl))
			return AVERROR_EXIT;
		n = srt_recv(pub->sock, (char *)pub->stage, sizeof(pub->stage));
		if (n == SRT_ERROR) {
			int e = srt_getlasterror(NULL);
			/* The SRTO_RCVTIMEO wait passed (libsrt 1.5 says ETIMEOUT,
			 * older ones EASYNCRCV): check the ctl, then wait again. */
			if (e == SRT_ETIMEOUT || e == SRT_EASYNCRCV)
				continue;
			if (!pub->logged_end)
				log_info("SRT receive: %s", srt_getlasterror_str());
			pub->logged_end = true;
			return AVERROR_EOF;  /* connection closed or broken */
		}
		if (n <= 0)
			return AVERROR_EOF;
		pub->stage_off = 0;
		pub->stage_len = (size_t)n;
	}
	{
		size_t n = pub->stage_len - pub->stage_off;
		if (n > (size_t)size)
			n = (size_t)size;
		memcpy(buf, pub->stage + pub->stage_off, n);
		pub->stage_off += n;
		return (int)n;
	}
}

static void *
pub_main(void *arg)
{
	struct srt_pub *pub = arg;
	struct srt_server *srv = pub->srv;
	struct av_ingest_params ip = { 0 };
	struct av_ingest *ing = NULL;
	struct stream_key key;
	AVFormatContext *ic = NULL;
	AVIOContext *pb = NULL;
	uint8_t *iobuf = NULL;
	char sid[SRT_STREAMID_MAX + 1];
	int sid_len = sizeof(sid) - 1, to = SRT_RECV_WAIT_MS, err;

	log_ctx_set("srt %s", pub->peer);
	memset(sid, 0, sizeof(sid));
	if (srt_getsockflag(pub->sock, SRTO_STREAMID, sid, &sid_len) == SRT_ERROR ||
	    sid_len < 0 || sid_len > SRT_STREAMID_MAX ||
	    check_streamid(srv, sid, (size_t)sid_len, &key) != 0)
		goto out;  /* revoked since the handshake, or cannot happen: logged */
	if (srt_setsockflag(pub->sock, SRTO_RCVTIMEO, &to, sizeof(to)) == SRT_ERROR) {
		log_warnx("cannot set the receive timeout: %s", srt_getlasterror_str());
		goto out;
	}
	/* pub->ctl was set up by start_pub: a stop may already be in it. */
	ip.cfg = srv->cfg;
	ip.key = &key;
	ip.proto = "srt";
	ip.peer = pub->peer;
	ip.ctl = &pub->ctl;
	if ((ing = av_ingest_claim(&ip, &err)) == NULL)
		goto out;
	if ((iobuf = av_malloc(SRT_AVIO_BUF)) == NULL ||
	    (pb = avio_alloc_context(iobuf, SRT_AVIO_BUF, 0, pub, pub_read, NULL, NULL)) == NULL) {
		log_errx("out of memory for the SRT reader");
		av_free(iobuf);
		goto out;
	}
	if (av_ingest_open(&ic, NULL, av_find_input_format("mpegts"), pb, NULL, &pub->ctl) != 0) {
		if (pub->ctl.why == AV_INGEST_WHY_IDLE)
			log_info("no MPEG-TS within %lld ms: dropping the caller",
			    (long long)pub->ctl.idle_ms);
		goto out;
	}
	av_ingest_run(ing, ic);
out:
	avformat_close_input(&ic);  /* custom I/O: pb is ours */
	if (pb) {
		av_freep(&pb->buffer);
		avio_context_free(&pb);
	}
	av_ingest_end(ing);
	explicit_bzero(sid, sizeof(sid));
	srt_close(pub->sock);
	pub->sock = SRT_INVALID_SOCK;
	log_info("SRT connection closed");
	log_ctx_clear();
	atomic_store(&pub->done, true);
	return NULL;
}

/* ---- accept thread ---------------------------------------------------------- */

static void
reap(struct srt_server *srv, bool all)
{
	for (size_t i = 0; i < srv->n_pubs; i++) {
		struct srt_pub *pub = &srv->pubs[i];

		if (!pub->used || (!all && !atomic_load(&pub->done)))
			continue;
		pthread_join(pub->thread, NULL);
		pub->used = false;
		atomic_fetch_sub(&srv->n_active, 1);
	}
}

static void
start_pub(struct srt_server *srv, SRTSOCKET ns, const struct sockaddr *sa)
{
	struct srt_pub *pub = NULL;
	char peer[64];

	addr_str(sa, peer, sizeof(peer));
	for (size_t i = 0; i < srv->n_pubs && pub == NULL; i++)
		if (!srv->pubs[i].used)
			pub = &srv->pubs[i];
	if (pub == NULL) {
		log_info("%s refused: srt_max_publishers reached", peer);
		srt_close(ns);
		return;
	}
	memset(pub, 0, sizeof(*pub));
	pub->srv = srv;
	pub->sock = ns;
	atomic_init(&pub->done, false);
	snprintf(pub->peer, sizeof(pub->peer), "%s", peer);
	/* The ctl is read by the interrupt callback before pub_main sets it up. */
	av_ingest_ctl_init(&pub->ctl, srv->cfg->publisher_idle_ms);
	if (pthread_create(&pub->thread, NULL, pub_main, pub) != 0) {
		log_errx("cannot start a thread for SRT publisher %s", peer);
		srt_close(ns);
		return;
	}
	pub->used = true;
	atomic_fetch_add(&srv->n_active, 1);
}

static void *
accept_main(void *arg)
{
	struct srt_server *srv = arg;

	log_ctx_set("srt");
	while (!atomic_load(&srv->stop)) {
		SRTSOCKET ready[1];
		int n_ready = 1;
		struct sockaddr_storage ss;
		int sl = sizeof(ss);
		SRTSOCKET ns;

		reap(srv, false);
		if (srt_epoll_wait(srv->eid, ready, &n_ready, NULL, NULL, SRT_ACCEPT_WAIT_MS, NULL,
		    NULL, NULL, NULL) <= 0)
			continue;  /* timeout (SRT_ETIMEOUT) */
		ns = srt_accept(srv->lsn, (struct sockaddr *)&ss, &sl);
		if (ns == SRT_INVALID_SOCK) {
			log_debug("accept: %s", srt_getlasterror_str());
			continue;
		}
		start_pub(srv, ns, (struct sockaddr *)&ss);
	}
	return NULL;
}

/* ---- public ------------------------------------------------------------------ */

static int
set_opt(SRTSOCKET s, SRT_SOCKOPT opt, const void *v, int len, const char *name)
{
	if (srt_setsockflag(s, opt, v, len) == SRT_ERROR) {
		log_errx("SRT option %s: %s", name, srt_getlasterror_str());
		return -EINVAL;
	}
	return 0;
}

static int
bind_listener(struct srt_server *srv)
{
	struct addrinfo hints = { 0 }, *res = NULL, *ai;
	char host[256], portstr[16];
	int port, rc = -1;
	const char *tries[2];

	if (conf_split_addr(srv->cfg->srt_listen, host, sizeof(host), &port) != 0) {
		log_errx("srt_listen %s: not an address (host:port)", srv->cfg->srt_listen);
		return -EINVAL;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/* As net_listen_tcp: an empty host is "::" (both families), else 0.0.0.0. */
	tries[0] = host[0] ? host : "::";
	tries[1] = host[0] ? NULL : "0.0.0.0";
	for (int t = 0; t < 2 && rc != 0 && tries[t]; t++) {
		if (getaddrinfo(tries[t], portstr, &hints, &res) != 0)
			continue;
		for (ai = res; ai && rc != 0; ai = ai->ai_next) {
			int v6only = host[0] ? 1 : 0;
			if (ai->ai_family == AF_INET6)
				srt_setsockflag(srv->lsn, SRTO_IPV6ONLY, &v6only, sizeof(v6only));
			if (srt_bind(srv->lsn, ai->ai_addr, (int)ai->ai_addrlen) != SRT_ERROR)
				rc = 0;
		}
		freeaddrinfo(res);
		res = NULL;
	}
	if (rc != 0) {
		log_errx("srt_listen %s: cannot bind: %s", srv->cfg->srt_listen,
		    srt_getlasterror_str());
		return -EADDRINUSE;
	}
	return 0;
}

struct srt_server *
srt_server_new(const struct origin_cfg *cfg, const char *db_path)
{
	static const int keylens[] = { 0, 16, 24, 32 };
	struct srt_server *srv = xcalloc(1, sizeof(*srv));
	struct sockaddr_storage ss;
	int sl = sizeof(ss), yes = 1, latency, ev = SRT_EPOLL_IN;
	char err[160];

	if (srv == NULL)
		return NULL;
	srv->cfg = cfg;
	srv->lsn = SRT_INVALID_SOCK;
	srv->eid = -1;
	atomic_init(&srv->stop, false);
	atomic_init(&srv->n_active, 0);
	pthread_mutex_init(&srv->keys_lock, NULL);
	if (srt_server_check_cfg(cfg, err, sizeof(err)) != 0) {
		log_errx("%s", err);
		goto fail;
	}
	srv->n_pubs = (size_t)cfg->srt_max_publishers;
	if ((srv->pubs = xcalloc(srv->n_pubs, sizeof(*srv->pubs))) == NULL)
		goto fail;
	if ((srv->keys = keys_open(db_path)) == NULL)
		goto fail;
	if (srt_startup() < 0) {
		log_errx("cannot start libsrt: %s", srt_getlasterror_str());
		goto fail;
	}
	srv->srt_started = true;
	srt_setloglevel(LOG_ERR);
	srt_setloghandler(NULL, srt_log_to_ours);
	srt_setlogflags(SRT_LOGF_DISABLE_TIME | SRT_LOGF_DISABLE_THREADNAME |
	    SRT_LOGF_DISABLE_SEVERITY | SRT_LOGF_DISABLE_EOL);
	if ((srv->lsn = srt_create_socket()) == SRT_INVALID_SOCK) {
		log_errx("cannot create an SRT socket: %s", srt_getlasterror_str());
		goto fail;
	}
	latency = (int)cfg->srt_latency_ms;
	/* Live mode (the default transtype); accepted sockets inherit these. */
	if (set_opt(srv->lsn, SRTO_RCVSYN, &yes, sizeof(yes), "RCVSYN") != 0 ||
	    set_opt(srv->lsn, SRTO_RCVLATENCY, &latency, sizeof(latency), "RCVLATENCY") != 0 ||
	    set_opt(srv->lsn, SRTO_PEERLATENCY, &latency, sizeof(latency), "PEERLATENCY") != 0)
		goto fail;
	if (cfg->srt_passphrase && cfg->srt_passphrase[0]) {
		int kl = keylens[cfg->srt_pbkeylen];
		if (set_opt(srv->lsn, SRTO_PASSPHRASE, cfg->srt_passphrase,
		    (int)strlen(cfg->srt_passphrase), "PASSPHRASE") != 0 ||
		    (kl && set_opt(srv->lsn, SRTO_PBKEYLEN, &kl, sizeof(kl), "PBKEYLEN") != 0) ||
		    set_opt(srv->lsn, SRTO_ENFORCEDENCRYPTION, &yes, sizeof(yes),
		    "ENFORCEDENCRYPTION") != 0)
			goto fail;
	}
	if (bind_listener(srv) != 0)
		goto fail;
	if (srt_listen_callback(srv->lsn, on_listen, srv) == SRT_ERROR ||
	    srt_listen(srv->lsn, 64) == SRT_ERROR) {
		log_errx("SRT listen: %s", srt_getlasterror_str());
		goto fail;
	}
	if (srt_getsockname(srv->lsn, (struct sockaddr *)&ss, &sl) == 0)
		srv->port = ntohs(ss.ss_family == AF_INET6 ?
		    ((struct sockaddr_in6 *)&ss)->sin6_port : ((struct sockaddr_in *)&ss)->sin_port);
	if ((srv->eid = srt_epoll_create()) < 0 ||
	    srt_epoll_add_usock(srv->eid, srv->lsn, &ev) == SRT_ERROR) {
		log_errx("SRT epoll: %s", srt_getlasterror_str());
		goto fail;
	}
	if (pthread_create(&srv->accept_thread, NULL, accept_main, srv) != 0) {
		log_errx("cannot start the SRT accept thread");
		goto fail;
	}
	srv->accept_started = true;
	log_info("SRT on port %d (latency %lld ms, %s, up to %zu publishers)", srv->port,
	    (long long)cfg->srt_latency_ms, cfg->srt_passphrase && cfg->srt_passphrase[0] ?
	    "encrypted" : "no passphrase", srv->n_pubs);
	return srv;
fail:
	srt_server_free(srv);
	return NULL;
}

int
srt_server_port(const struct srt_server *srv)
{
	return srv->port;
}

void
srt_server_free(struct srt_server *srv)
{
	if (srv == NULL)
		return;
	atomic_store(&srv->stop, true);
	if (srv->accept_started)
		pthread_join(srv->accept_thread, NULL);
	/* Each publisher notices within SRT_RECV_WAIT_MS and ends its stream. */
	for (size_t i = 0; srv->pubs && i < srv->n_pubs; i++)
		if (srv->pubs[i].used)
			atomic_store(&srv->pubs[i].ctl.stop, true);
	if (srv->pubs)
		reap(srv, true);
	if (srv->eid >= 0)
		srt_epoll_release(srv->eid);
	if (srv->lsn != SRT_INVALID_SOCK)
		srt_close(srv->lsn);
	if (srv->srt_started)
		srt_cleanup();
	keys_close(srv->keys);
	pthread_mutex_destroy(&srv->keys_lock);
	free(srv->pubs);
	free(srv);
}
