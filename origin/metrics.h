/*
 * metrics: the origin's counters, rendered for Prometheus at /metrics
 * (text exposition format 0.0.4). Counters are relaxed atomics: incrementing
 * one costs an uncontended atomic add, no lock on the hot path.
 */
#ifndef CDN_METRICS_H
#define CDN_METRICS_H

#include <stdatomic.h>
#include <stdint.h>

#include "buf.h"

enum rtmp_reject {
	REJECT_BAD_KEY = 0,     /* unknown or revoked stream key */
	REJECT_BUSY,            /* a publisher already holds the stream */
	REJECT_LIMIT,           /* connection limit */
	REJECT_PROTOCOL,        /* malformed handshake, chunk or command */
	REJECT_IDLE,            /* idle or handshake timeout */
	REJECT_PER_IP,          /* rtmp_max_per_ip */
	REJECT_PUBLISHERS,      /* max_publishers */
	REJECT_N
};

struct origin_metrics {
	atomic_uint_fast64_t rtmp_connections;       /* gauge */
	atomic_uint_fast64_t rtmp_connections_total;
	atomic_uint_fast64_t rtmps_connections;      /* gauge, part of rtmp_connections */
	atomic_uint_fast64_t rtmps_connections_total;
	atomic_uint_fast64_t rtmps_handshake_failures;   /* TLS handshake failed or timed out */
	atomic_uint_fast64_t publishers;             /* gauge */
	atomic_uint_fast64_t publishes_total;
	atomic_uint_fast64_t rtmp_rejects[REJECT_N];
	atomic_uint_fast64_t bytes_in;               /* RTMP bytes received */
	atomic_uint_fast64_t bytes_out;              /* HTTP body bytes sent */
	atomic_uint_fast64_t segments_total;
	atomic_uint_fast64_t segment_mem_bytes;      /* gauge: segment bytes the windows hold in memory */
	atomic_uint_fast64_t archive_segments;       /* gauge: segments of live streams on disk (DVR, recording) */
	atomic_uint_fast64_t archive_write_errors;
	atomic_uint_fast64_t archive_reads_total;    /* segments served from disk */
	atomic_uint_fast64_t media_skipped;          /* malformed or headerless media packets */
	atomic_uint_fast64_t http_requests[600];     /* by status code */
};

extern struct origin_metrics metrics;

#define METRIC_ADD(field, n) atomic_fetch_add_explicit(&metrics.field, (n), memory_order_relaxed)
#define METRIC_SUB(field, n) atomic_fetch_sub_explicit(&metrics.field, (n), memory_order_relaxed)

void metrics_http_status(unsigned status);
/* Append the exposition text; streams is the live stream gauge. */
int metrics_render(struct buf *out, uint64_t streams);

#endif
