/*
 * edge_metrics: cdn-edge's counters, rendered for Prometheus at /metrics
 * (text exposition format 0.0.4). Relaxed atomics: one uncontended add on
 * the hot path, no lock. The names and meanings are listed in docs/edge.md.
 */
#ifndef CDN_EDGE_METRICS_H
#define CDN_EDGE_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"
#include "cache.h"
#include "upstream.h"

enum edge_result {
	RES_HIT = 0, RES_MISS, RES_COLLAPSED, RES_STALE, RES_ERROR, RES_N
};

enum up_err {
	UPERR_CONNECT = 0, UPERR_TIMEOUT, UPERR_5XX, UPERR_4XX, UPERR_TOO_LARGE, UPERR_OTHER,
	UPERR_N
};

struct edge_metrics {
	atomic_uint_fast64_t requests[RES_N];
	atomic_uint_fast64_t http_status[600];
	atomic_uint_fast64_t upstream_fetches;
	atomic_uint_fast64_t revalidations;
	atomic_uint_fast64_t revalidated;
	atomic_uint_fast64_t prefetches;
	atomic_uint_fast64_t upstream_errors[UPERR_N];
	atomic_uint_fast64_t failovers;
	atomic_uint_fast64_t bytes_in;
	atomic_uint_fast64_t bytes_out;
};

extern struct edge_metrics edge_metrics;

#define EMETRIC_ADD(field, n) \
	atomic_fetch_add_explicit(&edge_metrics.field, (n), memory_order_relaxed)

/* Names as X-Cache shows them ("HIT", ...) and as metric labels ("hit"). */
const char *edge_result_header(enum edge_result r);

int edge_metrics_render(struct buf *o, const struct cache_stats *cs,
    const struct upstream_set *ups, int draining);

#endif
