/*
 * http_edge: cdn-edge's HTTP server for viewers (libmicrohttpd).
 *
 * Every GET goes through the cache: a hit is answered at once, straight
 * from the object's memory (no copy); a miss creates the object, hands it
 * to the fetcher and parks the connection (MHD_suspend_connection) until
 * the upstream's headers arrive; a request for an object still filling
 * streams the bytes already there and parks again whenever it has caught
 * up. The fetcher wakes parked connections (MHD_resume_connection) as
 * bytes arrive; the cache's maintenance wakes them at their deadline, since
 * MHD never times out a suspended connection itself.
 *
 * Own routes: /healthz (200 or 503, see docs/edge.md) and /metrics.
 * /api/ and /dashboard are the origin's admin side: 404 here, never fetched.
 * Everything else (HLS, and the player's /watch/ and /www/ pages) is cached.
 */
#ifndef CDN_EDGE_HTTP_H
#define CDN_EDGE_HTTP_H

#include "cache.h"
#include "edge_conf.h"
#include "fetch.h"
#include "upstream.h"

struct http_edge;

/* Start listening and serving. Borrows everything for its lifetime. */
struct http_edge *http_edge_start(const struct edge_cfg *cfg, struct cache *cache,
    struct fetcher *fetcher, struct upstream_set *ups);

int http_edge_port(const struct http_edge *h);
/* The HTTPS port (https_listen), or 0. */
int http_edge_port_tls(const struct http_edge *h);
/* Reread tls_cert and tls_key (SIGHUP); on failure the old ones stay. */
void http_edge_reload_tls(struct http_edge *h);

/*
 * Graceful stop, first half: stop accepting, and let requests in flight
 * finish for up to grace_ms (the fetcher must still run, to feed them).
 * NULL-safe.
 */
void http_edge_quiesce(struct http_edge *h, int64_t grace_ms);

/*
 * Second half, after fetch_stop (which woke every parked request): close
 * every connection and free. NULL-safe.
 */
void http_edge_stop(struct http_edge *h);

#endif
