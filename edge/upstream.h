/*
 * upstream: the edge's ordered list of upstreams (origins, or parent edges
 * in a tiered setup) and what is known of their health.
 *
 * A fetch goes to the first upstream that is up; on a connect error, a 5xx
 * or a timeout the fetcher marks it down and goes on to the next one. The
 * health checker (run by the fetch thread every health_interval) marks an
 * upstream up again when its health URL answers 2xx, so the first in the
 * list is preferred again as soon as it recovers. When none is up, fetches
 * still try every upstream in order: health may be stale, and trying costs
 * one connect timeout at most.
 *
 * The state is read by MHD threads (/healthz, /metrics) and written by the
 * fetch thread: plain atomics, no lock.
 */
#ifndef CDN_EDGE_UPSTREAM_H
#define CDN_EDGE_UPSTREAM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define UPSTREAM_MAX 16
#define UPSTREAM_URL_MAX 512

struct upstream {
	char base[UPSTREAM_URL_MAX];   /* "http://host:port", no trailing '/' */
	atomic_bool up;
	atomic_uint_fast64_t fails;    /* fetch and health failures */
};

struct upstream_set {
	size_t n;
	struct upstream u[UPSTREAM_MAX];
};

/*
 * Parse the configured URLs (http:// or https://, host, optional port and
 * path prefix; no query or fragment) into set. Every upstream starts up.
 * Returns 0, or -EINVAL with err (errlen bytes) naming the bad URL.
 */
int upstream_set_init(struct upstream_set *set, char *const *urls, size_t n, char *err,
    size_t errlen);

/* Index of the first upstream that is up, or 0 when none is. */
size_t upstream_first(const struct upstream_set *set);

/* Number of upstreams up now. */
size_t upstream_count_up(const struct upstream_set *set);

/* Mark up or down; logs a transition once. */
void upstream_mark(struct upstream_set *set, size_t i, bool up, const char *why);

#endif
