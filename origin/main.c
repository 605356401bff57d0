/*
 * cdn-origin: RTMP ingest, HLS packaging and HTTP delivery.
 *
 * Threads: the main thread runs the RTMP event loop (all ingest and
 * packaging); libmicrohttpd runs its own pool for HTTP. Signals are blocked
 * in every thread and read from a signalfd by the RTMP loop, so SIGTERM is
 * handled at one well-defined point: publishers are ended (their playlists
 * get EXT-X-ENDLIST), then HTTP stops.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libavutil/log.h>
#include <openssl/rand.h>

#include "access_table.h"
#include "acct_api.h"
#include "clock.h"
#include "acct_store.h"
#include "admin_api.h"
#include "conf.h"
#include "conf_cli.h"
#include "edge_watch.h"
#include "http_origin.h"
#include "keys.h"
#include "log.h"
#include "mkdir_p.h"
#include "origin_conf.h"
#include "rtmp_server.h"
#include "rtp_ingest.h"
#include "srt_server.h"
#include "stream.h"
#include "recording.h"
#include "tls_cert.h"
#include "tls_server.h"
#include "xalloc.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cdn-origin [-c FILE] [-o KEY=VALUE]... [-t] [-v] [-V]\n"
	    "  -c FILE       read settings from FILE (\"key value\" lines; see docs/config.md)\n"
	    "  -o KEY=VALUE  set one setting, after the file (repeatable)\n"
	    "  -t            check the settings, print the effective config and exit\n"
	    "  -v            log at debug level\n"
	    "  -V            print the version and exit\n"
	    "With no settings at all: RTMP on :1935, SRT on UDP :9000, HTTP on :8080, data in /var/lib/cdn.\n"
	    "RTMPS (:1936) needs rtmps_cert and rtmps_key.\n");
}

/*
 * libav's messages go through our logger, at a matching level, at most
 * AV_LOG_BURST lines per AV_LOG_WINDOW_MS: a lossy RTP ingest makes libav
 * warn per packet ("RTP: missed N packets"), and per-packet lines are
 * rate-limited here like ours.
 */
#define AV_LOG_BURST 20
#define AV_LOG_WINDOW_MS 10000

static pthread_mutex_t av_log_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t av_log_window_ms;
static unsigned av_log_n, av_log_held;

static void
av_log_to_ours(void *avcl, int level, const char *fmt, va_list ap)
{
	char line[512];
	unsigned held = 0;
	int64_t now;
	bool emit;
	int ours;

	(void)avcl;
	if (level > AV_LOG_WARNING)
		return;
	ours = level <= AV_LOG_ERROR ? LOG_LVL_WARN : LOG_LVL_INFO;
	if (ours > log_level_current)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '\0' || strcmp(line, ".") == 0)
		return;  /* the tail of a message libav wrote in two calls */
	now = clock_mono_ms();
	pthread_mutex_lock(&av_log_lock);
	if (now - av_log_window_ms >= AV_LOG_WINDOW_MS) {
		held = av_log_held;
		av_log_window_ms = now;
		av_log_n = 0;
		av_log_held = 0;
	}
	emit = av_log_n < AV_LOG_BURST;
	if (emit)
		av_log_n++;
	else
		av_log_held++;
	pthread_mutex_unlock(&av_log_lock);
	if (held)
		log_emit(LOG_LVL_INFO, 0, "libav: %u more lines held back in the last %d s", held,
		    AV_LOG_WINDOW_MS / 1000);
	if (emit)
		log_emit(ours, 0, "libav: %s", line);
}

/*
 * A token: from config, else data_dir/<file>, created once (mode 0600).
 * The admin token and the accounting token (edges ship with it; it can do
 * nothing else) are made the same way.
 */
static char *
load_token(const struct origin_cfg *cfg, const char *configured, const char *file)
{
	char path[1100], tok[129] = "";
	unsigned char rnd[24];
	ssize_t n;
	int fd;

	if (configured && configured[0])
		return xstrdup(configured);
	snprintf(path, sizeof(path), "%s/%s", cfg->data_dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd != -1) {
		n = read(fd, tok, sizeof(tok) - 1);
		close(fd);
		if (n > 0) {
			tok[n] = '\0';
			tok[strcspn(tok, "\r\n")] = '\0';
			if (strlen(tok) >= 16)
				return xstrdup(tok);
		}
		log_errx("%s is too short (16 characters at least): remove it to have a new one made",
		    path);
		return NULL;
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		log_errx("no randomness for the admin token");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(tok + 2 * i, 3, "%02x", rnd[i]);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, tok, strlen(tok)) != (ssize_t)strlen(tok) ||
	    write(fd, "\n", 1) != 1) {
		log_err("cannot write %s", path);
		if (fd != -1)
			close(fd);
		return NULL;
	}
	close(fd);
	log_info("created a token in %s (%s)", path, strcmp(file, "admin.token") == 0 ?
	    "give it to cdnctl with --token-file" : "edges ship accounting with it");
	return xstrdup(tok);
}

static bool rtmps_on;

/* SIGHUP: what can be reread while running. */
static void
sighup_reload(void *arg)
{
	struct http_origin *http = arg;

	/* RTMPS reloads itself in the RTMP loop; HTTPS is ours. */
	if (http_origin_port_tls(http) == 0) {
		if (!rtmps_on)
			log_info("SIGHUP: nothing to reload (no https_listen, no RTMPS)");
		return;
	}
	http_origin_reload_tls(http);
}

/* Content keys of encrypted streams go to the RTMP thread's connection. */
static int
segkey_put(void *arg, const char *stream, const char *key_id, const uint8_t key[16])
{
	return keys_segkey_put(arg, stream, key_id, key);
}

static void
segkey_del(void *arg, const char *stream, const char *key_id)
{
	keys_segkey_delete(arg, stream, key_id);
}

static struct stream_key_store key_store = { segkey_put, segkey_del, NULL };

int
main(int argc, char **argv)
{
	struct origin_cfg cfg = { 0 };
	struct admin_ctx admin = { 0 };
	char db_default[1100], rtmp_url[300];
	struct conf_cli cli = { .prog = "cdn-origin", .version = PACKAGE_VERSION, .usage = usage };
	struct keys *keys_rtmp = NULL, *keys_admin = NULL;
	struct rtmp_server *rtmp = NULL;
	struct srt_server *srt = NULL;
	struct rtp_ingest *rtp = NULL;
	struct http_origin *http = NULL;
	char *token = NULL, *acct_token = NULL;
	char acct_db[1100], spool[1100], ship_url[400], node[256];
	struct acct_api *acct_api = NULL;
	struct acct_store *acct_store = NULL;
	struct edge_watch *edges = NULL;
	bool check_only = false, verbose = false, ran = false;
	int sigfd = -1, rc = 1, sig;
	sigset_t mask;

	log_init("cdn-origin", LOG_LVL_INFO);
	/* Before any thread starts (the accounting shipper uses libcurl). */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "cdn-origin: cannot initialize libcurl\n");
		return 1;
	}
	if ((rc = conf_cli_load(origin_conf_desc, origin_conf_n, &cfg, argc, argv, &cli)) >= 0)
		goto out;
	rc = 1;
	check_only = cli.check_only;
	verbose = cli.verbose;
	for (size_t i = 0; i < cfg.edges.n; i++) {
		struct edge_def d;
		char err[256];
		if (edge_def_parse(cfg.edges.v[i], &d, err, sizeof(err)) != 0) {
			fprintf(stderr, "cdn-origin: %s\n", err);
			goto out;
		}
	}
	{
		char err[256];
		if (srt_server_check_cfg(&cfg, err, sizeof(err)) != 0 ||
		    rtp_ingest_check_cfg(&cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "cdn-origin: %s\n", err);
			goto out;
		}
	}
	if (cfg.https_listen && cfg.https_listen[0]) {
		char err[512];
		if (tls_cert_check(cfg.tls_cert, cfg.tls_key, err, sizeof(err)) != 0) {
			fprintf(stderr, "cdn-origin: https_listen: %s\n", err);
			goto out;
		}
	}
	if (check_only) {
		/* RTMPS files: readable, a certificate and its own key (-t says which). */
		if ((cfg.rtmps_cert && cfg.rtmps_cert[0]) || (cfg.rtmps_key && cfg.rtmps_key[0])) {
			char err[512];
			struct tls_server *ts = tls_server_new(cfg.rtmps_cert, cfg.rtmps_key, err,
			    sizeof(err));
			if (ts == NULL) {
				fprintf(stderr, "cdn-origin: %s\n", err);
				rc = 1;
				goto out;
			}
			tls_server_free(ts);
		}
		conf_dump(origin_conf_desc, origin_conf_n, &cfg, stdout, 1);
		fprintf(stderr, "cdn-origin: configuration ok\n");
		rc = 0;
		goto out;
	}
	log_level_current = verbose ? LOG_LVL_DEBUG : cfg.log_level;
	av_log_set_callback(av_log_to_ours);
	/*
	 * RFC 8216 6.2.2: a segment removed from the playlist stays available
	 * for its duration plus the longest playlist that held it. Segments may
	 * run longer than the target, so this is a floor, not a guarantee.
	 */
	if (cfg.segment_grace_ms < cfg.segment_target_ms * (cfg.playlist_window + 1))
		log_warnx("segment_grace %lld ms is shorter than RFC 8216 6.2.2 asks "
		    "(segment_target x (playlist_window + 1) = %lld ms): players may get 404s",
		    cfg.segment_grace_ms, cfg.segment_target_ms * (cfg.playlist_window + 1));

	if ((rc = mkdir_p(cfg.data_dir, 0700)) != 0) {
		log_errx("cannot create data_dir %s: %s", cfg.data_dir, strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = 1;
	if (cfg.persist_dir && mkdir_p(cfg.persist_dir, 0755) != 0) {
		log_err("cannot create persist_dir %s", cfg.persist_dir);
		goto out;
	}
	/* DVR windows and recordings (docs/dvr.md) */
	if (cfg.archive_dir == NULL || cfg.archive_dir[0] == '\0') {
		char ad[1024];
		snprintf(ad, sizeof(ad), "%s/archive", cfg.data_dir);
		free(cfg.archive_dir);
		if ((cfg.archive_dir = xstrdup(ad)) == NULL)
			goto out;
	}
	if (mkdir_p(cfg.archive_dir, 0750) != 0) {
		log_err("cannot create archive_dir %s", cfg.archive_dir);
		goto out;
	}
	if (recordings_init(cfg.archive_dir, cfg.recording_retention_ms,
	    (size_t)cfg.segment_max_bytes * 2) != 0) {
		log_err("cannot read archive_dir %s", cfg.archive_dir);
		goto out;
	}
	if ((token = load_token(&cfg, cfg.admin_token, "admin.token")) == NULL ||
	    (acct_token = load_token(&cfg, cfg.accounting_token, "accounting.token")) == NULL)
		goto out;
	snprintf(acct_db, sizeof(acct_db), "%s/accounting.db", cfg.data_dir);
	if ((acct_api = acct_api_open(acct_db, acct_token, token)) == NULL)
		goto out;
	snprintf(db_default, sizeof(db_default), "%s/origin.db", cfg.data_dir);
	if ((keys_rtmp = keys_open(cfg.db_path ? cfg.db_path : db_default)) == NULL ||
	    (keys_admin = keys_open(cfg.db_path ? cfg.db_path : db_default)) == NULL)
		goto out;

	/* Block the signals in every thread; the RTMP loop reads them. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	if ((sigfd = signalfd(-1, &mask, SFD_CLOEXEC)) == -1) {
		log_err("signalfd");
		goto out;
	}
	stream_registry_init();
	/* Keys of an earlier run encrypted segments no one serves now. */
	keys_segkey_purge(keys_rtmp);
	key_store.arg = keys_rtmp;
	stream_set_key_store(&key_store);
	if ((rtmp = rtmp_server_new(&cfg, keys_rtmp)) == NULL)
		goto out;
	/* SRT publishers package on their own threads, into the same registry. */
	if (cfg.srt_max_publishers > 0 &&
	    (srt = srt_server_new(&cfg, cfg.db_path ? cfg.db_path : db_default)) == NULL)
		goto out;
	/* Registered RTP ingests start listening now (their SDPs are in data_dir/rtp). */
	if ((rtp = rtp_ingest_new(&cfg, cfg.db_path ? cfg.db_path : db_default)) == NULL)
		goto out;
	if (cfg.public_rtmp_url && cfg.public_rtmp_url[0]) {
		snprintf(rtmp_url, sizeof(rtmp_url), "%s", cfg.public_rtmp_url);
	} else {
		char host[256] = "", hn[256] = "localhost";
		int port = 0;
		conf_split_addr(cfg.rtmp_listen, host, sizeof(host), &port);
		if (!host[0] || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
			gethostname(hn, sizeof(hn) - 1);
		snprintf(rtmp_url, sizeof(rtmp_url), "rtmp://%s%s%s:%d/live",
		    strchr(host[0] ? host : hn, ':') ? "[" : "", host[0] ? host : hn,
		    strchr(host[0] ? host : hn, ':') ? "]" : "", rtmp_server_port(rtmp));
	}
	admin.keys = keys_admin;
	pthread_mutex_init(&admin.lock, NULL);
	admin.token = token;
	admin.rtmp_url = rtmp_url;
	/* Playback access (docs/access.md): secrets and modes for HTTP threads. */
	admin.token_max_ttl_s = cfg.token_max_ttl_ms / 1000;
	admin.dvr_max_window_ms = cfg.dvr_max_window_ms;
	admin.dvr_default_ms = cfg.dvr_window_ms;
	admin.record_default = cfg.record != 0;
	if ((admin.access = access_table_new()) == NULL ||
	    access_table_load(admin.access, keys_admin) != 0)
		goto out;
	admin.rtp = rtp;
	admin.rtp_set = rtp_ingest_set;
	admin.rtp_get = rtp_ingest_get;
	admin.rtp_remove = rtp_ingest_remove;
	{
		char err[256];
		if ((edges = edge_watch_start(&cfg.edges, cfg.edge_poll_ms, err, sizeof(err))) == NULL) {
			log_errx("%s", err);
			goto out;
		}
		admin.edges = edges;
	}
	if ((http = http_origin_start(&cfg, &admin, acct_api)) == NULL)
		goto out;
	{
		/* The origin is a node like any edge: it ships its own buckets to
		 * its own API, through the same idempotent path. */
		char hn[200] = "localhost";
		gethostname(hn, sizeof(hn) - 1);
		snprintf(node, sizeof(node), "%s%s", cfg.node_name && cfg.node_name[0] ? "" :
		    "origin-", cfg.node_name && cfg.node_name[0] ? cfg.node_name : hn);
		snprintf(spool, sizeof(spool), "%s/accounting-spool.db", cfg.data_dir);
		{
			/* Its own listen address: 127.0.0.1 only when it listens on all. */
			char lh[256] = "";
			int lp = 0;
			conf_split_addr(cfg.http_listen, lh, sizeof(lh), &lp);
			if (!lh[0] || strcmp(lh, "0.0.0.0") == 0 || strcmp(lh, "::") == 0)
				snprintf(lh, sizeof(lh), "127.0.0.1");
			snprintf(ship_url, sizeof(ship_url), "http://%s%s%s:%d/api/v1/accounting",
			    strchr(lh, ':') ? "[" : "", lh, strchr(lh, ':') ? "]" : "",
			    http_origin_port(http));
		}
		struct acct_store_cfg ac = { .db_path = spool, .node = node, .ship_url = ship_url,
			.ship_token = acct_token, .flush_ms = cfg.accounting_flush_ms };
		if ((acct_store = acct_store_start(&ac)) == NULL)
			goto out;
	}
	if (rtmp_server_tls_port(rtmp) != -1)
		log_info("RTMPS on port %d, certificate %s", rtmp_server_tls_port(rtmp),
		    cfg.rtmps_cert);
	log_info("cdn-origin %s: RTMP on port %d, HTTP on port %d, data in %s", PACKAGE_VERSION,
	    rtmp_server_port(rtmp), http_origin_port(http), cfg.data_dir);

	ran = true;
	rtmps_on = cfg.rtmps_cert && cfg.rtmps_cert[0];
	rtmp_server_on_sighup(rtmp, sighup_reload, http);
	sig = rtmp_server_run(rtmp, sigfd);
	if (sig > 0)
		log_info("%s: ending every stream, then stopping", strsignal(sig));
	rtmp_server_free(rtmp);   /* each publisher's playlist gets EXT-X-ENDLIST */
	rtmp = NULL;
	srt_server_free(srt);     /* likewise for SRT publishers */
	srt = NULL;
	/* and RTP ones; the admin API stops handing it out first */
	pthread_mutex_lock(&admin.lock);
	admin.rtp = NULL;
	pthread_mutex_unlock(&admin.lock);
	rtp_ingest_free(rtp);
	rtp = NULL;
	stream_registry_end_all();   /* no one can return now: end the waits too */
	rc = sig > 0 ? 0 : 1;
out:
	rtmp_server_free(rtmp);
	srt_server_free(srt);
	acct_store_stop(acct_store);   /* last flush, shipped while HTTP still runs */
	http_origin_stop(http);
	access_table_free(admin.access);
	rtp_ingest_free(rtp);     /* after HTTP: the admin API holds it */
	edge_watch_stop(edges);
	acct_api_close(acct_api);
	free(acct_token);
	stream_registry_fini();
	recordings_fini();
	stream_set_key_store(NULL);
	keys_close(keys_rtmp);
	keys_close(keys_admin);
	if (sigfd != -1)
		close(sigfd);
	free(token);
	conf_free(origin_conf_desc, origin_conf_n, &cfg);
	tls_cert_fini();
	curl_global_cleanup();
	if (ran && rc == 0)
		log_info("stopped");
	return rc;
}
