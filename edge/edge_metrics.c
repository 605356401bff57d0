/*
 * edge_metrics: Prometheus text rendering of cdn-edge's counters.
 */
#include "config.h"

#include "edge_metrics.h"

struct edge_metrics edge_metrics;

static const char *const result_hdr[RES_N] = { "HIT", "MISS", "COLLAPSED", "STALE", "ERROR" };
static const char *const result_label[RES_N] = { "hit", "miss", "collapsed", "stale", "error" };
static const char *const uperr_label[UPERR_N] = {
	"connect", "timeout", "http_5xx", "http_4xx", "too_large", "other",
};

const char *
edge_result_header(enum edge_result r)
{
	return (unsigned)r < RES_N ? result_hdr[r] : "ERROR";
}

#define LOAD(x) ((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

static void
one(struct buf *o, const char *name, const char *type, const char *help, unsigned long long v)
{
	buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, v);
}

int
edge_metrics_render(struct buf *o, const struct cache_stats *cs, const struct upstream_set *ups,
    int draining)
{
	struct edge_metrics *m = &edge_metrics;

	buf_printf(o, "# HELP cdn_edge_requests_total Viewer requests by cache result.\n"
	    "# TYPE cdn_edge_requests_total counter\n");
	for (int i = 0; i < RES_N; i++)
		buf_printf(o, "cdn_edge_requests_total{cache=\"%s\"} %llu\n", result_label[i],
		    LOAD(m->requests[i]));
	buf_printf(o, "# HELP cdn_edge_http_requests_total Responses by status.\n"
	    "# TYPE cdn_edge_http_requests_total counter\n");
	for (unsigned s = 100; s < 600; s++) {
		unsigned long long n = LOAD(m->http_status[s]);
		if (n)
			buf_printf(o, "cdn_edge_http_requests_total{code=\"%u\"} %llu\n", s, n);
	}
	one(o, "cdn_edge_upstream_fetches_total", "counter",
	    "Upstream requests started (fetches, revalidations, prefetches).",
	    LOAD(m->upstream_fetches));
	one(o, "cdn_edge_revalidations_total", "counter", "Conditional GETs sent upstream.",
	    LOAD(m->revalidations));
	one(o, "cdn_edge_revalidated_total", "counter", "Conditional GETs answered 304.",
	    LOAD(m->revalidated));
	one(o, "cdn_edge_prefetches_total", "counter", "Fetches started by prefetch.",
	    LOAD(m->prefetches));
	buf_printf(o, "# HELP cdn_edge_upstream_errors_total Upstream errors by kind.\n"
	    "# TYPE cdn_edge_upstream_errors_total counter\n");
	for (int i = 0; i < UPERR_N; i++)
		buf_printf(o, "cdn_edge_upstream_errors_total{kind=\"%s\"} %llu\n", uperr_label[i],
		    LOAD(m->upstream_errors[i]));
	one(o, "cdn_edge_failovers_total", "counter", "Fetches retried on the next upstream.",
	    LOAD(m->failovers));
	buf_printf(o, "# HELP cdn_edge_evictions_total Objects dropped, by reason.\n"
	    "# TYPE cdn_edge_evictions_total counter\n"
	    "cdn_edge_evictions_total{reason=\"lru\"} %llu\n"
	    "cdn_edge_evictions_total{reason=\"idle\"} %llu\n",
	    (unsigned long long)cs->evict_lru, (unsigned long long)cs->evict_idle);
	one(o, "cdn_edge_bytes_in_total", "counter", "Body bytes received from upstreams.",
	    LOAD(m->bytes_in));
	one(o, "cdn_edge_bytes_out_total", "counter",
	    "Body bytes sent to viewers (headers excluded).", LOAD(m->bytes_out));
	one(o, "cdn_edge_cache_bytes", "gauge", "Bytes of cached bodies.",
	    (unsigned long long)cs->bytes);
	one(o, "cdn_edge_cache_objects", "gauge", "Objects cached.",
	    (unsigned long long)cs->objects);
	one(o, "cdn_edge_cache_max_bytes", "gauge", "The cache budget.",
	    (unsigned long long)cs->max_bytes);
	buf_printf(o, "# HELP cdn_edge_upstream_up 1 when the upstream is up.\n"
	    "# TYPE cdn_edge_upstream_up gauge\n");
	for (size_t i = 0; i < ups->n; i++)
		buf_printf(o, "cdn_edge_upstream_up{upstream=\"%s\"} %d\n", ups->u[i].base,
		    atomic_load(&ups->u[i].up) ? 1 : 0);
	one(o, "cdn_edge_draining", "gauge", "1 while the edge is draining.",
	    (unsigned long long)(draining ? 1 : 0));
	return o->err;
}
