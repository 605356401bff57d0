/*
 * metrics: Prometheus text rendering of the origin's counters.
 */
#include "config.h"

#include "metrics.h"

struct origin_metrics metrics;

static const char *const reject_names[REJECT_N] = {
	"bad_key", "busy", "limit", "protocol", "timeout", "per_ip", "max_publishers",
};

void
metrics_http_status(unsigned status)
{
	if (status < 600)
		METRIC_ADD(http_requests[status], 1);
}

#define LOAD(x) ((unsigned long long)atomic_load_explicit(&(x), memory_order_relaxed))

int
metrics_render(struct buf *o, uint64_t streams)
{
	buf_printf(o, "# HELP cdn_origin_rtmp_connections RTMP connections open now.\n"
	    "# TYPE cdn_origin_rtmp_connections gauge\ncdn_origin_rtmp_connections %llu\n",
	    LOAD(metrics.rtmp_connections));
	buf_printf(o, "# HELP cdn_origin_rtmp_connections_total RTMP connections accepted.\n"
	    "# TYPE cdn_origin_rtmp_connections_total counter\ncdn_origin_rtmp_connections_total %llu\n",
	    LOAD(metrics.rtmp_connections_total));
	buf_printf(o, "# HELP cdn_origin_rtmps_connections RTMPS connections open now (counted in cdn_origin_rtmp_connections too).\n"
	    "# TYPE cdn_origin_rtmps_connections gauge\ncdn_origin_rtmps_connections %llu\n",
	    LOAD(metrics.rtmps_connections));
	buf_printf(o, "# HELP cdn_origin_rtmps_connections_total RTMPS connections accepted (counted in cdn_origin_rtmp_connections_total too).\n"
	    "# TYPE cdn_origin_rtmps_connections_total counter\ncdn_origin_rtmps_connections_total %llu\n",
	    LOAD(metrics.rtmps_connections_total));
	buf_printf(o, "# HELP cdn_origin_rtmps_handshake_failures_total TLS handshakes that failed or did not finish in time.\n"
	    "# TYPE cdn_origin_rtmps_handshake_failures_total counter\ncdn_origin_rtmps_handshake_failures_total %llu\n",
	    LOAD(metrics.rtmps_handshake_failures));
	buf_printf(o, "# HELP cdn_origin_publishers Publishers live now.\n"
	    "# TYPE cdn_origin_publishers gauge\ncdn_origin_publishers %llu\n",
	    LOAD(metrics.publishers));
	buf_printf(o, "# HELP cdn_origin_publishes_total Publishes accepted.\n"
	    "# TYPE cdn_origin_publishes_total counter\ncdn_origin_publishes_total %llu\n",
	    LOAD(metrics.publishes_total));
	buf_printf(o, "# HELP cdn_origin_rtmp_rejects_total RTMP connections refused or dropped, by reason.\n"
	    "# TYPE cdn_origin_rtmp_rejects_total counter\n");
	for (int i = 0; i < REJECT_N; i++)
		buf_printf(o, "cdn_origin_rtmp_rejects_total{reason=\"%s\"} %llu\n",
		    reject_names[i], LOAD(metrics.rtmp_rejects[i]));
	buf_printf(o, "# HELP cdn_origin_streams Streams live now.\n"
	    "# TYPE cdn_origin_streams gauge\ncdn_origin_streams %llu\n",
	    (unsigned long long)streams);
	buf_printf(o, "# HELP cdn_origin_bytes_in_total Bytes received from publishers.\n"
	    "# TYPE cdn_origin_bytes_in_total counter\ncdn_origin_bytes_in_total %llu\n",
	    LOAD(metrics.bytes_in));
	buf_printf(o, "# HELP cdn_origin_bytes_out_total HTTP body bytes sent.\n"
	    "# TYPE cdn_origin_bytes_out_total counter\ncdn_origin_bytes_out_total %llu\n",
	    LOAD(metrics.bytes_out));
	buf_printf(o, "# HELP cdn_origin_segment_memory_bytes Segment bytes the live windows hold in memory (a DVR window beyond them is on disk).\n"
	    "# TYPE cdn_origin_segment_memory_bytes gauge\ncdn_origin_segment_memory_bytes %llu\n",
	    LOAD(metrics.segment_mem_bytes));
	buf_printf(o, "# HELP cdn_origin_archive_segments Segments of current streams kept on disk (DVR windows, recordings).\n"
	    "# TYPE cdn_origin_archive_segments gauge\ncdn_origin_archive_segments %llu\n",
	    LOAD(metrics.archive_segments));
	buf_printf(o, "# HELP cdn_origin_archive_write_errors_total Segments that could not be written to disk.\n"
	    "# TYPE cdn_origin_archive_write_errors_total counter\ncdn_origin_archive_write_errors_total %llu\n",
	    LOAD(metrics.archive_write_errors));
	buf_printf(o, "# HELP cdn_origin_archive_reads_total Segments served from disk (DVR windows, recordings).\n"
	    "# TYPE cdn_origin_archive_reads_total counter\ncdn_origin_archive_reads_total %llu\n",
	    LOAD(metrics.archive_reads_total));
	buf_printf(o, "# HELP cdn_origin_segments_total HLS segments made.\n"
	    "# TYPE cdn_origin_segments_total counter\ncdn_origin_segments_total %llu\n",
	    LOAD(metrics.segments_total));
	buf_printf(o, "# HELP cdn_origin_media_skipped_total Media packets skipped: "
	    "malformed FLV tags, or media without a valid sequence header.\n"
	    "# TYPE cdn_origin_media_skipped_total counter\ncdn_origin_media_skipped_total %llu\n",
	    LOAD(metrics.media_skipped));
	buf_printf(o, "# HELP cdn_origin_http_requests_total HTTP requests by status.\n"
	    "# TYPE cdn_origin_http_requests_total counter\n");
	for (unsigned s = 100; s < 600; s++) {
		unsigned long long n = LOAD(metrics.http_requests[s]);
		if (n)
			buf_printf(o, "cdn_origin_http_requests_total{code=\"%u\"} %llu\n", s, n);
	}
	return o->err;
}
