/*
 * rtp_ingest: registered RTP ingests, one thread each; see rtp_ingest.h.
 *
 * Locking: ri->lock guards the list and the keys connection (API threads
 * and ingest threads both look keys up). An entry is unlinked under the
 * lock, then stopped and joined outside it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libavformat/avformat.h>
#include <libavutil/time.h>

#include "av_ingest.h"
#include "keys.h"
#include "log.h"
#include "mkdir_p.h"
#include "rtp_ingest.h"
#include "rtp_sdp.h"
#include "xalloc.h"

#define RTP_RETRY_US 200000           /* between sessions, and after a failed open */
#define RTP_BUSY_WAITS 25             /* x RTP_RETRY_US: 5 s while the stream is busy */
#define RTP_REORDER_PKTS "500"        /* sdp demuxer reorder_queue_size */
#define RTP_SOCKBUF "2097152"         /* UDP receive buffer: bursts of an I-frame */
#define RTP_PORT_TRIES 64
#define RTP_LISTEN_IDLE_MS (24LL * 3600 * 1000)

struct rtp_entry {
	struct rtp_entry *next;
	struct rtp_ingest *ri;
	int64_t key_id;
	char path[1100];              /* data_dir/rtp/<key id>.sdp (dir is shorter by 100) */
	char *sdp;
	struct rtp_sdp_info info;
	pthread_t thread;
	atomic_bool stop;
	struct av_ingest_ctl ctl;
};

struct rtp_ingest {
	const struct origin_cfg *cfg;
	char dir[1000];
	pthread_mutex_t lock;
	struct keys *keys;            /* under lock */
	struct rtp_entry *head;       /* under lock */
};

struct find_key {
	int64_t id;
	struct stream_key *out;
	bool found;
};

static int
find_key_cb(void *arg, const struct stream_key *sk)
{
	struct find_key *f = arg;

	if (sk->id != f->id || sk->revoked_s != 0)
		return 0;
	*f->out = *sk;
	f->found = true;
	return 1;
}

/* The active key with this id. 0, -ENOENT or -EIO. Takes ri->lock. */
static int
key_by_id(struct rtp_ingest *ri, int64_t id, struct stream_key *out)
{
	struct find_key f = { .id = id, .out = out };
	int rc;

	pthread_mutex_lock(&ri->lock);
	rc = keys_key_list(ri->keys, NULL, false, find_key_cb, &f);
	pthread_mutex_unlock(&ri->lock);
	if (rc != 0)
		return -EIO;
	return f.found ? 0 : -ENOENT;
}

/*
 * One session: listen on the SDP's ports, package what comes, until it
 * ends. Returns av_ingest_run's result (-EBUSY: the stream is live from
 * another publisher), or the open's error.
 */
static int
session(struct rtp_entry *e, const struct stream_key *key)
{
	const struct origin_cfg *cfg = e->ri->cfg;
	struct av_ingest_params ip = { 0 };
	struct av_ingest *ing = NULL;
	AVFormatContext *ic = NULL;
	AVDictionary *opts = NULL;
	char peer[64];
	int err, rc;

	/* Listening has no deadline (the demuxer's own 10 s read timeout
	 * restarts it); publisher_idle_timeout applies once media flows. */
	av_ingest_ctl_rearm(&e->ctl, RTP_LISTEN_IDLE_MS);  /* a stop set meanwhile stays */
	av_dict_set(&opts, "protocol_whitelist", "file,udp,rtp", 0);
	av_dict_set(&opts, "reorder_queue_size", RTP_REORDER_PKTS, 0);
	av_dict_set(&opts, "buffer_size", RTP_SOCKBUF, 0);
	if (cfg->rtp_address && cfg->rtp_address[0])
		av_dict_set(&opts, "localaddr", cfg->rtp_address, 0);
	/* No sender within the idle timeout: the open fails quietly, and we listen again. */
	if ((rc = av_ingest_open(&ic, e->path, av_find_input_format("sdp"), NULL, &opts,
	    &e->ctl)) != 0)
		goto out;
	snprintf(peer, sizeof(peer), "udp/%d", e->info.ports[0]);
	ip.cfg = cfg;
	ip.key = key;
	ip.proto = "rtp";
	ip.peer = peer;
	ip.ctl = &e->ctl;
	ip.claim_on_media = true;  /* listening is not publishing: claim at the first packet */
	if ((ing = av_ingest_claim(&ip, &err)) == NULL) {
		rc = err;
		goto out;
	}
	rc = av_ingest_run(ing, ic);
out:
	av_ingest_end(ing);
	avformat_close_input(&ic);
	av_dict_free(&opts);
	return rc;
}

static void *
entry_main(void *arg)
{
	struct rtp_entry *e = arg;
	struct stream_key key;
	int rc;

	log_ctx_set("rtp key=%lld udp/%d", (long long)e->key_id, e->info.ports[0]);
	log_info("RTP ingest listening (%u stream%s)", e->info.n_media,
	    e->info.n_media == 1 ? "" : "s");
	while (!atomic_load(&e->stop)) {
		if ((rc = key_by_id(e->ri, e->key_id, &key)) == -ENOENT) {
			log_info("key %lld is revoked or gone: RTP ingest stopped", (long long)e->key_id);
			break;
		}
		if (rc == 0)
			rc = session(e, &key);
		log_ctx_set("rtp key=%lld udp/%d", (long long)e->key_id, e->info.ports[0]);
		/* Busy (another publisher has the stream): back off, it was logged. */
		for (int i = 0; i < (rc == -EBUSY ? RTP_BUSY_WAITS : 1) &&
		    !atomic_load(&e->stop); i++)
			av_usleep(RTP_RETRY_US);
	}
	log_ctx_clear();
	return NULL;
}

static void
entry_free(struct rtp_entry *e)
{
	if (e == NULL)
		return;
	free(e->sdp);
	free(e);
}

/* Stop and join an unlinked entry. */
static void
entry_stop(struct rtp_entry *e)
{
	atomic_store(&e->stop, true);
	atomic_store(&e->ctl.stop, true);
	pthread_join(e->thread, NULL);
	entry_free(e);
}

static int
entry_start(struct rtp_ingest *ri, int64_t key_id, char *sdp, const struct rtp_sdp_info *info,
    struct rtp_entry **out)
{
	struct rtp_entry *e = xcalloc(1, sizeof(*e));

	if (e == NULL) {
		free(sdp);
		return -ENOMEM;
	}
	e->ri = ri;
	e->key_id = key_id;
	e->sdp = sdp;
	e->info = *info;
	snprintf(e->path, sizeof(e->path), "%s/%lld.sdp", ri->dir, (long long)key_id);
	atomic_init(&e->stop, false);
	av_ingest_ctl_init(&e->ctl, ri->cfg->publisher_idle_ms);
	if (pthread_create(&e->thread, NULL, entry_main, e) != 0) {
		entry_free(e);
		return -EAGAIN;
	}
	*out = e;
	return 0;
}

/* Whether port (or its RTCP neighbour) is used by a registration other than key_id. */
static bool
port_taken_locked(struct rtp_ingest *ri, int64_t key_id, int port)
{
	for (struct rtp_entry *e = ri->head; e; e = e->next) {
		if (e->key_id == key_id)
			continue;
		for (unsigned i = 0; i < e->info.n_media; i++)
			if (port >= e->info.ports[i] - 1 && port <= e->info.ports[i] + 1)
				return true;
	}
	return false;
}

static int
bind_udp(const char *addr, int port)
{
	struct sockaddr_in6 a6 = { 0 };
	struct sockaddr_in a4 = { 0 };
	bool v6 = strchr(addr, ':') != NULL;
	int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd == -1)
		return -1;
	if (v6) {
		a6.sin6_family = AF_INET6;
		a6.sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, addr, &a6.sin6_addr);
	} else {
		a4.sin_family = AF_INET;
		a4.sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, addr, &a4.sin_addr);
	}
	if (bind(fd, v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a4,
	    v6 ? sizeof(a6) : sizeof(a4)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* An even port p with p and p + 1 free now (RTP and RTCP). -EADDRINUSE when none. */
static int
alloc_port_locked(struct rtp_ingest *ri, int64_t key_id, const char *addr)
{
	for (int t = 0; t < RTP_PORT_TRIES; t++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = bind_udp(addr, 0), port, a, b;

		if (fd == -1)
			return -EADDRINUSE;
		if (getsockname(fd, (struct sockaddr *)&ss, &sl) == -1) {
			close(fd);
			return -EADDRINUSE;
		}
		port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
		    ((struct sockaddr_in *)&ss)->sin_port) & ~1;
		close(fd);
		if (port < 1024 || port > 65534 || port_taken_locked(ri, key_id, port))
			continue;
		a = bind_udp(addr, port);
		b = a == -1 ? -1 : bind_udp(addr, port + 1);
		if (a != -1)
			close(a);
		if (b != -1)
			close(b);
		if (a != -1 && b != -1)
			return port;
	}
	return -EADDRINUSE;
}

static int
write_file(const char *path, const char *data)
{
	char tmp[1300];
	size_t len = strlen(data);
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1)
		return -errno;
	if (write(fd, data, len) != (ssize_t)len)
		rc = -EIO;
	if (close(fd) == -1 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) == -1)
		rc = -errno;
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static struct rtp_entry *
unlink_locked(struct rtp_ingest *ri, int64_t key_id)
{
	for (struct rtp_entry **pp = &ri->head; *pp; pp = &(*pp)->next) {
		struct rtp_entry *e = *pp;
		if (e->key_id == key_id) {
			*pp = e->next;
			e->next = NULL;
			return e;
		}
	}
	return NULL;
}

int
rtp_ingest_set(struct rtp_ingest *ri, int64_t key_id, const char *sdp_in, char **sdp_out,
    char *stream, char *err, size_t errlen)
{
	struct stream_key key;
	struct rtp_sdp_info info;
	struct rtp_entry *old = NULL, *e = NULL;
	const char *addr = ri->cfg->rtp_address && ri->cfg->rtp_address[0] ?
	    ri->cfg->rtp_address : "0.0.0.0";
	char *sdp = NULL, path[1200];
	int rc;

	*sdp_out = NULL;
	err[0] = '\0';
	if ((rc = key_by_id(ri, key_id, &key)) != 0)
		return rc;
	snprintf(stream, KEYS_NAME_MAX + 1, "%s", key.stream);
	if (sdp_in && sdp_in[0]) {
		if ((rc = rtp_sdp_check(sdp_in, strlen(sdp_in), &info, err, errlen)) != 0)
			return rc;
		if ((sdp = xstrdup(sdp_in)) == NULL)
			return -ENOMEM;
	}
	pthread_mutex_lock(&ri->lock);
	if (sdp == NULL) {
		int port = alloc_port_locked(ri, key_id, addr);

		if (port < 0) {
			rc = port;
			snprintf(err, errlen, "no free UDP port pair on %s", addr);
			goto unlock;
		}
		if ((sdp = xmalloc(1024)) == NULL || rtp_sdp_mpegts(sdp, 1024, addr, port,
		    key.stream) != 0 || rtp_sdp_check(sdp, strlen(sdp), &info, err, errlen) != 0) {
			rc = -EIO;
			goto unlock;
		}
	} else {
		for (unsigned i = 0; i < info.n_media; i++)
			if (port_taken_locked(ri, key_id, info.ports[i])) {
				rc = -EADDRINUSE;
				snprintf(err, errlen, "port %d is another RTP ingest's", info.ports[i]);
				goto unlock;
			}
	}
	old = unlink_locked(ri, key_id);
unlock:
	pthread_mutex_unlock(&ri->lock);
	if (rc != 0) {
		free(sdp);
		return rc;
	}
	/* The old session ends (ENDLIST) before the new one may claim the stream. */
	if (old)
		entry_stop(old);
	snprintf(path, sizeof(path), "%s/%lld.sdp", ri->dir, (long long)key_id);
	if ((rc = write_file(path, sdp)) != 0) {
		log_warnx("rtp: cannot write %s: %s", path, strerror(-rc));
		free(sdp);
		return -EIO;
	}
	if ((*sdp_out = xstrdup(sdp)) == NULL || (rc = entry_start(ri, key_id, sdp, &info,
	    &e)) != 0) {
		free(*sdp_out);
		*sdp_out = NULL;
		unlink(path);
		return rc ? rc : -ENOMEM;
	}
	pthread_mutex_lock(&ri->lock);
	e->next = ri->head;
	ri->head = e;
	pthread_mutex_unlock(&ri->lock);
	log_info("rtp: key %lld (stream %s) ingests RTP on UDP port %d%s", (long long)key_id,
	    key.stream, info.ports[0], info.n_media > 1 ? " and others" : "");
	return 0;
}

int
rtp_ingest_get(struct rtp_ingest *ri, int64_t key_id, char **sdp_out)
{
	int rc = -ENOENT;

	*sdp_out = NULL;
	pthread_mutex_lock(&ri->lock);
	for (struct rtp_entry *e = ri->head; e; e = e->next)
		if (e->key_id == key_id) {
			rc = (*sdp_out = xstrdup(e->sdp)) ? 0 : -ENOMEM;
			break;
		}
	pthread_mutex_unlock(&ri->lock);
	return rc;
}

int
rtp_ingest_remove(struct rtp_ingest *ri, int64_t key_id)
{
	struct rtp_entry *e;
	char path[1200];

	pthread_mutex_lock(&ri->lock);
	e = unlink_locked(ri, key_id);
	pthread_mutex_unlock(&ri->lock);
	if (e == NULL)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s", e->path);
	entry_stop(e);
	unlink(path);
	log_info("rtp: key %lld's RTP ingest removed", (long long)key_id);
	return 0;
}

/* Start the registrations found in ri->dir. */
static void
load_dir(struct rtp_ingest *ri)
{
	DIR *d = opendir(ri->dir);
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		char path[1400], buf[RTP_SDP_MAX + 2], err[160], *end, *sdp;
		struct rtp_sdp_info info;
		struct rtp_entry *e;
		long long id;
		ssize_t n;
		int fd;

		id = strtoll(de->d_name, &end, 10);
		if (end == de->d_name || strcmp(end, ".sdp") != 0 || id <= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", ri->dir, de->d_name);
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0 || rtp_sdp_check(buf, (size_t)n, &info, err, sizeof(err)) != 0) {
			log_warnx("rtp: %s is not a usable SDP (%s): skipped", path,
			    n <= 0 ? "empty" : err);
			continue;
		}
		buf[n] = '\0';
		if ((sdp = xstrdup(buf)) == NULL || entry_start(ri, id, sdp, &info, &e) != 0)
			continue;
		pthread_mutex_lock(&ri->lock);
		e->next = ri->head;
		ri->head = e;
		pthread_mutex_unlock(&ri->lock);
	}
	closedir(d);
}

int
rtp_ingest_check_cfg(const struct origin_cfg *cfg, char *err, size_t errlen)
{
	unsigned char bin[16];
	const char *a = cfg->rtp_address;

	if (a == NULL || a[0] == '\0' || inet_pton(AF_INET, a, bin) == 1 ||
	    inet_pton(AF_INET6, a, bin) == 1)
		return 0;
	snprintf(err, errlen, "rtp_address %s: use a numeric IPv4 or IPv6 address", a);
	return -EINVAL;
}

struct rtp_ingest *
rtp_ingest_new(const struct origin_cfg *cfg, const char *db_path)
{
	struct rtp_ingest *ri = xcalloc(1, sizeof(*ri));

	if (ri == NULL)
		return NULL;
	ri->cfg = cfg;
	pthread_mutex_init(&ri->lock, NULL);
	if (strlen(cfg->data_dir) + 4 >= sizeof(ri->dir)) {
		log_errx("data_dir is too long for RTP ingest files");
		goto fail;
	}
	snprintf(ri->dir, sizeof(ri->dir), "%s/rtp", cfg->data_dir);
	if (mkdir_p(ri->dir, 0700) != 0) {
		log_errx("cannot create %s", ri->dir);
		goto fail;
	}
	if ((ri->keys = keys_open(db_path)) == NULL)
		goto fail;
	load_dir(ri);
	return ri;
fail:
	rtp_ingest_free(ri);
	return NULL;
}

void
rtp_ingest_free(struct rtp_ingest *ri)
{
	struct rtp_entry *e;

	if (ri == NULL)
		return;
	for (;;) {
		pthread_mutex_lock(&ri->lock);
		e = ri->head;
		if (e)
			ri->head = e->next;
		pthread_mutex_unlock(&ri->lock);
		if (e == NULL)
			break;
		entry_stop(e);
	}
	keys_close(ri->keys);
	pthread_mutex_destroy(&ri->lock);
	free(ri);
}
