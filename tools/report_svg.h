/*
 * report_svg: the bandwidth chart of a billing report, as a standalone SVG
 * document (it must look right when opened in a browser).
 *
 * The chart shows the 5-minute series in Mbit/s (out, and in when given) as
 * polylines over time, the 95th-percentile billable figure as a dashed
 * horizontal line with its value, labelled axes (time in UTC, Mbit/s with
 * round tick values), a title with the customer's name and the period, and
 * a legend. Text from the caller (the customer's name) is XML-escaped.
 * Long series are drawn point by point (8640 points for a 30-day month is
 * fine for a browser).
 */
#ifndef CDN_REPORT_SVG_H
#define CDN_REPORT_SVG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct report_chart {
	const char *customer;        /* shown in the title */
	const char *direction;       /* "out", "in", "max" or "sum": the billed one */
	int64_t from_s, to_s;        /* period [from, to) in Unix seconds, UTC */
	int bucket_s;                /* 300 */
	size_t n;                    /* samples */
	const double *mbps_out;      /* n values */
	const double *mbps_in;       /* n values, or NULL to draw only out */
	double p95_mbps;             /* the billable figure */
	int width, height;           /* pixels; 0: 1000 x 420 */
};

/* Append the SVG document to out. Returns out->err (0 or -ENOBUFS/-ENOMEM). */
int report_svg_render(const struct report_chart *c, struct buf *out);

#endif
