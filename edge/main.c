/*
 * cdn-edge: a pull-through cache for live HLS.
 *
 * Threads: libmicrohttpd's pool serves viewers; one fetch thread drives
 * libcurl for every upstream transfer and health check and runs the cache's
 * housekeeping; the main thread only waits for signals (signalfd), so
 * SIGTERM and SIGHUP are handled at one well-defined point. Stopping:
 * quiesce HTTP, let responses in flight finish (5 s at most), stop the
 * fetcher, free the cache.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <curl/curl.h>

#include "access_log.h"
#include "acct_store.h"
#include "cache.h"
#include "conf.h"
#include "conf_cli.h"
#include "edge_conf.h"
#include "fetch.h"
#include "http_edge.h"
#include "log.h"
#include "tls_cert.h"
#include "upstream.h"

#define STOP_GRACE_MS 5000

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: cdn-edge [-c FILE] [-o KEY=VALUE]... [-t] [-v] [-V]\n"
	    "  -c FILE       read settings from FILE (\"key value\" lines; see docs/edge.md)\n"
	    "  -o KEY=VALUE  set one setting, after the file (repeatable)\n"
	    "  -t            check the settings, print the effective config and exit\n"
	    "  -v            log at debug level\n"
	    "  -V            print the version and exit\n"
	    "One setting is required: upstream, the origin's URL, e.g.\n"
	    "  cdn-edge -o upstream=http://origin.example:8080\n");
}

int
main(int argc, char **argv)
{
	struct edge_cfg cfg = { 0 };
	struct upstream_set *ups = NULL;
	struct cache *cache = NULL;
	struct fetcher *fetcher = NULL;
	struct http_edge *http = NULL;
	struct acct_store *acct = NULL;
	char node[256], ship_url[UPSTREAM_URL_MAX + 32], token[256] = "";
	char err[CONF_ERRLEN] = "";
	struct conf_cli cli = { .prog = "cdn-edge", .version = PACKAGE_VERSION, .usage = usage };
	bool check_only = false, verbose = false, curl_ok = false, ran = false;
	int sigfd = -1, rc = 1;
	sigset_t mask;

	log_init("cdn-edge", LOG_LVL_INFO);
	if ((rc = conf_cli_load(edge_conf_desc, edge_conf_n, &cfg, argc, argv, &cli)) >= 0)
		goto out;
	rc = 1;
	check_only = cli.check_only;
	verbose = cli.verbose;
	if ((ups = calloc(1, sizeof(*ups))) == NULL)
		goto out;
	if (upstream_set_init(ups, cfg.upstream.v, cfg.upstream.n, err, sizeof(err)) != 0) {
		fprintf(stderr, "cdn-edge: %s\n", err);
		goto out;
	}
	if (cfg.health_path[0] != '/') {
		fprintf(stderr, "cdn-edge: health_path must start with '/'\n");
		goto out;
	}
	if (cfg.https_listen && cfg.https_listen[0] &&
	    tls_cert_check(cfg.tls_cert, cfg.tls_key, err, sizeof(err)) != 0) {
		fprintf(stderr, "cdn-edge: https_listen: %s\n", err);
		goto out;
	}
	if (check_only) {
		conf_dump(edge_conf_desc, edge_conf_n, &cfg, stdout, 1);
		fprintf(stderr, "cdn-edge: configuration ok\n");
		rc = 0;
		goto out;
	}
	log_level_current = verbose ? LOG_LVL_DEBUG : cfg.log_level;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((rc = access_log_open(cfg.access_log)) != 0) {
		log_errx("cannot open the access log %s: %s", cfg.access_log, strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = 1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_errx("curl_global_init failed");
		goto out;
	}
	curl_ok = true;

	/* Block the signals in every thread started from here; main reads them. */
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
	if ((cache = cache_new(cfg.cache_max_bytes, cfg.cache_idle_ms)) == NULL)
		goto out;
	if (cfg.accounting) {
		struct acct_store_cfg ac = { 0 };
		char hn[200] = "localhost";
		if (cfg.accounting_token_file && cfg.accounting_token_file[0]) {
			FILE *f = fopen(cfg.accounting_token_file, "re");
			if (f == NULL || fgets(token, sizeof(token), f) == NULL) {
				log_err("cannot read accounting_token_file %s", cfg.accounting_token_file);
				if (f)
					fclose(f);
				goto out;
			}
			fclose(f);
			token[strcspn(token, "\r\n")] = '\0';
			cfg.edge_token = token[0] ? token : NULL;
		}
		gethostname(hn, sizeof(hn) - 1);
		snprintf(node, sizeof(node), "%s%s", cfg.node_name && cfg.node_name[0] ? "" : "edge-",
		    cfg.node_name && cfg.node_name[0] ? cfg.node_name : hn);
		snprintf(ship_url, sizeof(ship_url), "%s", cfg.accounting_url && cfg.accounting_url[0] ?
		    cfg.accounting_url : "");
		if (!ship_url[0])
			snprintf(ship_url, sizeof(ship_url), "%s/api/v1/accounting", ups->u[0].base);
		ac.db_path = cfg.accounting_db;
		ac.node = node;
		ac.ship_url = ship_url;
		ac.ship_token = token[0] ? token : NULL;
		ac.flush_ms = cfg.accounting_flush_ms;
		if ((acct = acct_store_start(&ac)) == NULL)
			goto out;
		if (!token[0])
			log_warnx("accounting: no accounting_token_file: the origin will refuse the "
			    "buckets (they stay spooled in %s)", cfg.accounting_db);
	}
	if ((fetcher = fetch_start(&cfg, ups, cache)) == NULL)
		goto out;
	if ((http = http_edge_start(&cfg, cache, fetcher, ups)) == NULL)
		goto out;
	ran = true;
	log_info("cdn-edge %s: HTTP on port %d, upstream %s%s, cache %llu MiB", PACKAGE_VERSION,
	    http_edge_port(http), ups->u[0].base, ups->n > 1 ? " (+ failover)" : "",
	    (unsigned long long)(cfg.cache_max_bytes >> 20));
	for (;;) {
		struct signalfd_siginfo si;
		ssize_t n = read(sigfd, &si, sizeof(si));
		if (n == -1 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(si)) {
			log_err("signalfd read");
			break;
		}
		if (si.ssi_signo == SIGHUP) {
			if (access_log_reopen() != 0)
				log_warn("cannot reopen the access log");
			else
				log_info("SIGHUP: access log reopened");
			http_edge_reload_tls(http);
			continue;
		}
		log_info("%s: stopping (responses in flight get %d s)", strsignal((int)si.ssi_signo),
		    STOP_GRACE_MS / 1000);
		rc = 0;
		break;
	}
out:
	http_edge_quiesce(http, STOP_GRACE_MS);
	fetch_stop(fetcher);      /* fails what is still in flight: parked requests wake */
	http_edge_stop(http);
	fetch_free(fetcher);
	acct_store_stop(acct);    /* the last counts: flushed and shipped */
	cache_free(cache);
	if (curl_ok)
		curl_global_cleanup();
	access_log_close();
	if (sigfd != -1)
		close(sigfd);
	free(ups);
	conf_free(edge_conf_desc, edge_conf_n, &cfg);
	tls_cert_fini();
	if (rc == 0 && ran)
		log_info("stopped");
	return rc;
}
