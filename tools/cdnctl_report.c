/*
 * cdnctl_report: report formatting; see cdnctl_report.h.
 *
 * Every figure printed comes from the origin's answer; nothing is
 * recomputed here except unit conversions (bytes to GB, decimal: 1 GB =
 * 10^9 bytes, as transit is billed), so the table, the CSV and the chart
 * can never disagree with the API.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cdnctl_report.h"
#include "report_svg.h"

static double
num(const struct jv *o, const char *key)
{
	const struct jv *v = jv_get(o, key);

	return v && v->t == JV_NUM ? v->num : 0;
}

static void
day(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

/* Customer names are [A-Za-z0-9_.-] (the origin validates them); quote for CSV anyway. */
static void
csv_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc((unsigned char)*s < 0x20 ? '?' : *s, f);
	}
	fputc('"', f);
}

/* A unique-viewer figure some node capped: a lower bound, printed "N+". */
static bool
at_least(const struct jv *r)
{
	const struct jv *v = jv_get(r, "unique_viewers_at_least");

	return v && v->t == JV_BOOL && v->b;
}

static void
table_row(FILE *f, const struct jv *r)
{
	fprintf(f, "%-20.20s %12.3f %12.3f %10.3f %10.3f %10.3f %8.0f %6.0f %12.3f\n",
	    jv_str(r, "customer") ? jv_str(r, "customer") : "?", num(r, "bytes_out") / 1e9,
	    num(r, "bytes_in") / 1e9, num(r, "avg_mbps"), num(r, "peak_mbps"), num(r, "p95_mbps"),
	    num(r, "samples"), num(r, "discarded"), num(r, "billable_mbps"));
}

static void
csv_row(FILE *f, const struct jv *r, const char *dir)
{
	csv_str(f, jv_str(r, "customer"));
	fprintf(f, ",%s,%.0f,%.0f,%.6f,%.6f,%.6f,%.0f,%.0f,%.6f,%.0f,%.0f%s\n", dir,
	    num(r, "bytes_out"), num(r, "bytes_in"), num(r, "avg_mbps"), num(r, "peak_mbps"),
	    num(r, "p95_mbps"), num(r, "samples"), num(r, "discarded"), num(r, "billable_mbps"),
	    num(r, "peak_viewers"), num(r, "unique_viewers"), at_least(r) ? "+" : "");
}

static int
svg(const struct jv *doc, const struct jv *r, FILE *out)
{
	const struct jv *series = jv_get(r, "series");
	struct report_chart c = { 0 };
	double *o = NULL, *in = NULL;
	struct buf b;
	int rc = 1;

	if (series == NULL || series->t != JV_ARR) {
		fprintf(stderr, "cdnctl: the report has no series\n");
		return 1;
	}
	o = calloc(series->n ? series->n : 1, sizeof(double));
	in = calloc(series->n ? series->n : 1, sizeof(double));
	if (o == NULL || in == NULL)
		goto out;
	for (size_t i = 0; i < series->n; i++) {
		const struct jv *p = &series->kid[i];
		if (p->t != JV_ARR || p->n != 3)
			goto out;
		o[i] = p->kid[1].num * 8.0 / num(doc, "bucket_s") / 1e6;
		in[i] = p->kid[2].num * 8.0 / num(doc, "bucket_s") / 1e6;
	}
	c.customer = jv_str(r, "customer");
	c.direction = jv_str(doc, "direction");
	c.from_s = (int64_t)num(doc, "from");
	c.to_s = (int64_t)num(doc, "to");
	c.bucket_s = (int)num(doc, "bucket_s");
	c.n = series->n;
	c.mbps_out = o;
	c.mbps_in = in;
	c.p95_mbps = num(r, "billable_mbps");
	buf_init(&b, 64u << 20);
	if (report_svg_render(&c, &b) == 0) {
		fwrite(b.data, 1, b.len, out);
		rc = 0;
	}
	buf_fini(&b);
out:
	free(o);
	free(in);
	return rc;
}

int
cdnctl_report_print(const struct jv *doc, const char *format, bool all, const void *raw,
    size_t raw_len, FILE *out)
{
	const char *dir = jv_str(doc, "direction") ? jv_str(doc, "direction") : "?";
	const struct jv *list = jv_get(doc, "customers"), *one = jv_get(doc, "report");
	char from[32], to[32];

	if (strcmp(format, "json") == 0) {
		fwrite(raw, 1, raw_len, out);
		return 0;
	}
	if ((all && (list == NULL || list->t != JV_ARR)) ||
	    (!all && (one == NULL || one->t != JV_OBJ))) {
		fprintf(stderr, "cdnctl: unexpected answer from the report API\n");
		return 1;
	}
	if (strcmp(format, "svg") == 0) {
		if (all) {
			fprintf(stderr, "cdnctl: --format svg charts one customer (--customer C)\n");
			return 2;
		}
		return svg(doc, one, out);
	}
	if (strcmp(format, "csv") == 0) {
		fprintf(out, "customer,direction,bytes_out,bytes_in,avg_mbps,peak_mbps,p95_mbps,"
		    "samples,discarded,billable_mbps,peak_viewers,unique_viewers\n");
		if (all)
			for (size_t i = 0; i < list->n; i++)
				csv_row(out, &list->kid[i], dir);
		else
			csv_row(out, one, dir);
		return 0;
	}
	if (strcmp(format, "table") != 0) {
		fprintf(stderr, "cdnctl: --format table, csv, json or svg\n");
		return 2;
	}
	day((int64_t)num(doc, "from"), from, sizeof(from));
	day((int64_t)num(doc, "to"), to, sizeof(to));
	fprintf(out, "period %s to %s UTC, 5-minute samples, billed direction: %s\n", from, to,
	    dir);
	fprintf(out, "95th percentile: the highest sample left after discarding the top 5%%\n\n");
	fprintf(out, "%-20s %12s %12s %10s %10s %10s %8s %6s %12s\n", all ? "CUSTOMER (ranked)" :
	    "CUSTOMER", "GB OUT", "GB IN", "AVG Mb/s", "PEAK Mb/s", "P95 Mb/s", "SAMPLES",
	    "DISC", "BILL Mb/s");
	if (all) {
		for (size_t i = 0; i < list->n; i++)
			table_row(out, &list->kid[i]);
	} else {
		const struct jv *st = jv_get(doc, "streams");
		table_row(out, one);
		if (st && st->t == JV_ARR && st->n) {
			fprintf(out, "\n%-20s %12s %14s %15s\n", "STREAM", "GB OUT", "PEAK VIEWERS",
			    "UNIQUE VIEWERS");
			for (size_t i = 0; i < st->n; i++)
				fprintf(out, "%-20.20s %12.3f %14.0f %14.0f%s\n",
				    jv_str(&st->kid[i], "stream") ? jv_str(&st->kid[i], "stream") : "?",
				    num(&st->kid[i], "bytes_out") / 1e9, num(&st->kid[i], "peak_viewers"),
				    num(&st->kid[i], "unique_viewers"), at_least(&st->kid[i]) ? "+" : " ");
		}
	}
	return 0;
}
