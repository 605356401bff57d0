/*
 * test_report_svg: the SVG bandwidth chart (tools/report_svg.c).
 *
 * Every document is checked for well-formedness twice: by a small tag and
 * entity balance check here, and by python3's XML parser on a written copy
 * (skipped only if python3 cannot be run). Then the parts a reader relies
 * on: the escaped customer name, the 95th-percentile text, one polyline
 * point per sample and every point inside the plot frame, round y ticks,
 * UTC time ticks, and no "nan"/"inf" whatever the input. The month case
 * leaves tests/unit/report_example.svg in the build tree to open in a
 * browser.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "check.h"
#include "p95.h"
#include "report_svg.h"

#define SVG_MAX (8u << 20)
#define NOV_01 1730419200  /* 2024-11-01 00:00:00 UTC */
#define DEC_01 1733011200  /* NOV_01 + 30 * 86400 */
#define NOV_03 1730592000  /* NOV_01 + 2 * 86400 */
#define MONTH 8640

#define CHECK_STR_HAS(hay, needle)                                         \
	do {                                                               \
		if (strstr((hay), (needle)) == NULL) {                     \
			fprintf(stderr, "  %s:%d: want \"%s\" in the SVG, "\
			    "not found\n", __FILE__, __LINE__, (needle));  \
			return 1;                                          \
		}                                                          \
	} while (0)

#define CHECK_STR_LACKS(hay, needle)                                       \
	do {                                                               \
		if (strstr((hay), (needle)) != NULL) {                     \
			fprintf(stderr, "  %s:%d: want no \"%s\" in the "  \
			    "SVG, found one\n", __FILE__, __LINE__,        \
			    (needle));                                     \
			return 1;                                          \
		}                                                          \
	} while (0)

/* Render into a fresh buffer; on success the text is NUL-terminated. */
static int
render(const struct report_chart *c, struct buf *b)
{
	int rc;

	buf_init(b, SVG_MAX);
	rc = report_svg_render(c, b);
	if (rc == 0)
		rc = buf_put_u8(b, 0);
	return rc;
}

static const char *
svg_text(const struct buf *b)
{
	return (const char *)b->data;
}

/*
 * A structural check that needs no parser: every '<' opens a tag,
 * comment, declaration or processing instruction that closes; end tags
 * match the open element; '&' starts a known entity or a character
 * reference; exactly one root element. 0 when well-formed.
 */
static int
xml_balanced(const char *s)
{
	char stack[64][32];
	int depth = 0, roots = 0;
	const char *p = s;

	while (*p != '\0') {
		if (*p == '&') {
			static const char *const ent[] = { "&amp;", "&lt;",
				"&gt;", "&quot;", "&apos;" };
			size_t i;
			bool ok = false;

			for (i = 0; i < 5; i++)
				ok = ok || strncmp(p, ent[i],
				    strlen(ent[i])) == 0;
			if (!ok && p[1] == '#') {
				const char *q = p + 2;
				bool hex = *q == 'x';

				q += hex;
				while (hex ? isxdigit((unsigned char)*q) :
				    isdigit((unsigned char)*q))
					q++;
				ok = q > p + 2 + hex && *q == ';';
			}
			if (!ok) {
				fprintf(stderr, "  bad entity at %.20s\n", p);
				return 1;
			}
			p++;
			continue;
		}
		if (*p == '>') {
			fprintf(stderr, "  stray '>' at %.20s\n", p);
			return 1;
		}
		if (*p != '<') {
			p++;
			continue;
		}
		if (p[1] == '?' || p[1] == '!') {
			const char *end = strstr(p, p[1] == '?' ? "?>" : ">");

			if (end == NULL)
				return 1;
			p = end + (p[1] == '?' ? 2 : 1);
			continue;
		}
		{
			const char *q = p + 1, *end;
			bool closing = *q == '/';
			size_t len;
			char quote = 0;

			q += closing;
			len = strcspn(q, " \t\n/>");
			if (len == 0 || len >= sizeof(stack[0]))
				return 1;
			/* find the tag's end, skipping quoted values */
			for (end = q + len; *end != '\0'; end++) {
				if (quote) {
					if (*end == quote)
						quote = 0;
					else if (*end == '<')
						return 1;
				} else if (*end == '"' || *end == '\'') {
					quote = *end;
				} else if (*end == '>') {
					break;
				}
			}
			if (*end != '>')
				return 1;
			if (closing) {
				if (depth == 0 ||
				    strlen(stack[depth - 1]) != len ||
				    strncmp(stack[depth - 1], q, len) != 0) {
					fprintf(stderr, "  unbalanced "
					    "</%.*s>\n", (int)len, q);
					return 1;
				}
				depth--;
			} else if (end[-1] != '/') {
				if (depth == 0)
					roots++;
				if (depth == 64)
					return 1;
				memcpy(stack[depth], q, len);
				stack[depth++][len] = '\0';
			} else if (depth == 0) {
				roots++;
			}
			p = end + 1;
		}
	}
	if (depth != 0 || roots != 1) {
		fprintf(stderr, "  depth %d at end, %d root elements\n", depth,
		    roots);
		return 1;
	}
	return 0;
}

/* Write s to path; 0 on success. */
static int
write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int rc;

	if (f == NULL)
		return -1;
	rc = fputs(s, f) < 0;
	rc |= fclose(f) != 0;
	return rc ? -1 : 0;
}

/* python3's parser on the file: 0 ok, 1 malformed, 2 python3 missing. */
static int
xml_python(const char *path)
{
	char cmd[512];
	int st;

	snprintf(cmd, sizeof(cmd), "python3 -c 'import sys, xml.dom.minidom; "
	    "xml.dom.minidom.parse(sys.argv[1])' '%s'", path);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return 1;
	if (WEXITSTATUS(st) == 127)
		return 2;
	return WEXITSTATUS(st) == 0 ? 0 : 1;
}

/* Both well-formedness checks; path NULL uses a temporary file. */
static int
check_xml(const char *s, const char *path)
{
	char tmp[] = "/tmp/test_report_svg.XXXXXX";
	int fd, rc;

	if (xml_balanced(s) != 0) {
		fprintf(stderr, "  the structural XML check failed\n");
		return 1;
	}
	if (path == NULL) {
		fd = mkstemp(tmp);
		if (fd == -1)
			return 1;
		close(fd);
		path = tmp;
	}
	if (write_file(path, s) != 0) {
		fprintf(stderr, "  cannot write %s\n", path);
		return 1;
	}
	rc = xml_python(path);
	if (path == tmp)
		unlink(tmp);
	if (rc == 2) {
		fprintf(stderr, "  (no python3: parser check skipped)\n");
		rc = 0;
	} else if (rc != 0) {
		fprintf(stderr, "  python3's XML parser refused the SVG\n");
	}
	return rc;
}

/* No non-number leaked out of printf: "nan", "inf" in any case. */
static int
check_finite(const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		if (strncasecmp(p, "nan", 3) == 0 ||
		    strncasecmp(p, "inf", 3) == 0) {
			fprintf(stderr, "  non-number at \"%.30s\"\n", p);
			return 1;
		}
	}
	return 0;
}

/* The points attribute of the element starting with open, or NULL. */
static const char *
points_of(const char *s, const char *open, size_t *len)
{
	const char *p = strstr(s, open), *q;

	if (p == NULL)
		return NULL;
	p = strstr(p, "points=\"");
	if (p == NULL)
		return NULL;
	p += strlen("points=\"");
	q = strchr(p, '"');
	*len = q ? (size_t)(q - p) : 0;
	return p;
}

/* The plot frame from <rect id="plot-area" .../>. */
static int
plot_area(const char *s, double *x, double *y, double *w, double *h)
{
	const char *p = strstr(s, "<rect id=\"plot-area\"");

	if (p == NULL || sscanf(p, "<rect id=\"plot-area\" x=\"%lf\" "
	    "y=\"%lf\" width=\"%lf\" height=\"%lf\"", x, y, w, h) != 4)
		return 1;
	return 0;
}

/*
 * Count the "x,y" pairs of a polyline and check each lies inside the plot
 * frame. -1 when the element is missing or a pair does not parse or lies
 * outside.
 */
static long
count_points(const char *s, const char *id)
{
	char open[64];
	const char *p, *end;
	double fx, fy, fw, fh;
	size_t len;
	long n = 0;

	snprintf(open, sizeof(open), "<polyline id=\"%s\"", id);
	p = points_of(s, open, &len);
	if (p == NULL || plot_area(s, &fx, &fy, &fw, &fh) != 0)
		return -1;
	end = p + len;
	while (p < end) {
		double x, y;
		int used;

		if (sscanf(p, "%lf,%lf%n", &x, &y, &used) != 2)
			return -1;
		if (x < fx || x > fx + fw || y < fy || y > fy + fh) {
			fprintf(stderr, "  point %ld (%g,%g) outside the plot "
			    "%g,%g %gx%g\n", n, x, y, fx, fy, fw, fh);
			return -1;
		}
		n++;
		p += used;
		while (p < end && *p == ' ')
			p++;
	}
	return n;
}

/*
 * The text of every <text> element inside <g id="gid">, joined with
 * single spaces, into out.
 */
static int
group_texts(const char *s, const char *gid, char *out, size_t outlen)
{
	char open[64];
	const char *p, *end;
	size_t used = 0;

	snprintf(open, sizeof(open), "<g id=\"%s\"", gid);
	p = strstr(s, open);
	if (p == NULL)
		return 1;
	end = strstr(p, "</g>");
	if (end == NULL)
		return 1;
	out[0] = '\0';
	while ((p = strstr(p, "<text")) != NULL && p < end) {
		const char *a = strchr(p, '>'), *z;

		if (a == NULL)
			return 1;
		a++;
		z = strstr(a, "</text>");
		if (z == NULL || used + (size_t)(z - a) + 2 > outlen)
			return 1;
		used += (size_t)snprintf(out + used, outlen - used, "%s%.*s",
		    used ? " " : "", (int)(z - a), a);
		p = z;
	}
	return 0;
}

#define CHECK_GROUP(svg, gid, want)                                        \
	do {                                                               \
		char got_[2048];                                           \
		if (group_texts((svg), (gid), got_, sizeof(got_)) != 0) {  \
			fprintf(stderr, "  %s:%d: no <g id=\"%s\">\n",     \
			    __FILE__, __LINE__, (gid));                    \
			return 1;                                          \
		}                                                          \
		CHECK_STR(got_, (want));                                   \
	} while (0)

/* A chart of n samples of 5 minutes from from_s; caller fills values. */
static struct report_chart
chart(const char *customer, int64_t from_s, size_t n, const double *out,
    const double *in, double p95)
{
	struct report_chart c;

	memset(&c, 0, sizeof(c));
	c.customer = customer;
	c.direction = "out";
	c.from_s = from_s;
	c.to_s = from_s + (int64_t)n * 300;
	c.bucket_s = 300;
	c.n = n;
	c.mbps_out = out;
	c.mbps_in = in;
	c.p95_mbps = p95;
	return c;
}

static double *
alloc_series(size_t n)
{
	double *v = calloc(n ? n : 1, sizeof(*v));

	if (v == NULL)
		abort();
	return v;
}

/* --- cases ------------------------------------------------------------ */

static int
t_escape(void)
{
	double v[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct report_chart c = chart("A&B <x>", NOV_03, 12, v, NULL, 9.5);
	struct buf b;

	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL))
		return 1;
	CHECK_STR_HAS(svg_text(&b), ">A&amp;B &lt;x&gt; &#8212; bandwidth, ");
	CHECK_STR_HAS(svg_text(&b), "<title>A&amp;B &lt;x&gt; &#8212;");
	CHECK_STR_LACKS(svg_text(&b), "A&B");
	CHECK_STR_LACKS(svg_text(&b), "<x>");
	buf_fini(&b);

	/* quotes, and a direction from the caller, escaped as well */
	c.customer = "O'Brien \"Live\" Ltd";
	c.direction = "<out>";
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL))
		return 1;
	CHECK_STR_HAS(svg_text(&b), "O&#39;Brien &quot;Live&quot; Ltd");
	CHECK_STR_HAS(svg_text(&b), "(billed: &lt;out&gt;)");
	buf_fini(&b);
	return 0;
}

/* Malformed UTF-8 and control characters cannot break the document. */
static int
t_bad_bytes(void)
{
	double v[3] = { 1, 2, 3 };
	struct report_chart c = chart("bad\xff\xc0\x80 \x01" "ctl\ttab "
	    "caf\xc3\xa9 \xc3( \xed\xa0\x80 \xe2\x82", NOV_03, 3, v, NULL, 3);
	struct buf b;

	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL))
		return 1;
	/* \xff, \xc0, \x80 (overlong), \x01, a lead byte before '(', the
	 * surrogate's three bytes and the truncated euro sign's two each
	 * become U+FFFD; the e-acute (\xc3\xa9) stays */
	CHECK_STR_HAS(svg_text(&b), ">bad&#xfffd;&#xfffd;&#xfffd; &#xfffd;ctl "
	    "tab caf\xc3\xa9 &#xfffd;( &#xfffd;&#xfffd;&#xfffd; "
	    "&#xfffd;&#xfffd; &#8212;");
	buf_fini(&b);
	return 0;
}

/* A long name is cut with an ellipsis and the title squeezed to fit. */
static int
t_long_name(void)
{
	char name[301];
	double v[2] = { 1, 2 };
	struct report_chart c;
	struct buf b;

	memset(name, 'N', 300);
	name[300] = '\0';
	c = chart(name, NOV_03, 2, v, NULL, 2);
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL))
		return 1;
	/* 64 N's then the ellipsis */
	CHECK_STR_HAS(svg_text(&b), "NNNNNNNN&#8230; &#8212;");
	CHECK_STR_LACKS(svg_text(&b), "NNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNNN"
	    "NNNNNNNNNNNNNNNNNNNNNNNNN");  /* 65 */
	/* 1000 px wide: squeezed to 1000 - 2 * 16 */
	CHECK_STR_HAS(svg_text(&b), "textLength=\"968\"");
	buf_fini(&b);
	return 0;
}

static int
t_p95_text(void)
{
	static const struct {
		double p95;
		const char *legend, *label;
	} cases[] = {
		{ 123.4, "95th percentile: 123.4 Mbit/s", "p95 123.4 Mbit/s" },
		{ 1234.56, "95th percentile: 1234.6 Mbit/s",
		    "p95 1234.6 Mbit/s" },  /* 12345.6 rounds up */
		{ 7, "95th percentile: 7.0 Mbit/s", "p95 7.0 Mbit/s" },
		/* below 1 Mbit/s: three decimals, so 50 kbit/s is not "0.1" */
		{ 0.05, "95th percentile: 0.050 Mbit/s", "p95 0.050 Mbit/s" },
		{ 0, "95th percentile: 0.0 Mbit/s", "p95 0.0 Mbit/s" },
		/* garbage from the caller is drawn as 0 */
		{ NAN, "95th percentile: 0.0 Mbit/s", "p95 0.0 Mbit/s" },
		{ -3, "95th percentile: 0.0 Mbit/s", "p95 0.0 Mbit/s" },
	};
	double v[4] = { 100, 120, 110, 90 };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct report_chart c = chart("p", NOV_03, 4, v, NULL,
		    cases[i].p95);
		struct buf b;

		CHECK_INT(render(&c, &b), 0);
		CHECK_STR_HAS(svg_text(&b), cases[i].legend);
		CHECK_STR_HAS(svg_text(&b), cases[i].label);
		if (check_finite(svg_text(&b)))
			return 1;
		buf_fini(&b);
	}
	return 0;
}

/* One point per sample in each polyline, all inside the frame. */
static int
t_points(void)
{
	double *out = alloc_series(288), *in = alloc_series(288);
	struct report_chart c;
	struct buf b;
	size_t i;

	for (i = 0; i < 288; i++) {
		out[i] = 50 + (double)(i % 50);
		in[i] = 5 + (double)(i % 7);
	}
	c = chart("points", NOV_03, 288, out, in, 95);
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL))
		return 1;
	CHECK_INT(count_points(svg_text(&b), "out"), 288);
	CHECK_INT(count_points(svg_text(&b), "in"), 288);
	CHECK_STR_HAS(svg_text(&b), ">out (billed)</text>");
	CHECK_STR_HAS(svg_text(&b), ">in</text>");
	/* 288 samples on ~900 px: too dense for dots */
	CHECK_STR_LACKS(svg_text(&b), "<circle");
	buf_fini(&b);

	/* without an in series: no in line, no in legend entry */
	c.mbps_in = NULL;
	CHECK_INT(render(&c, &b), 0);
	CHECK_INT(count_points(svg_text(&b), "out"), 288);
	CHECK_STR_LACKS(svg_text(&b), "<polyline id=\"in\"");
	CHECK_STR_LACKS(svg_text(&b), ">in</text>");
	buf_fini(&b);
	free(out);
	free(in);
	return 0;
}

static int
t_empty(void)
{
	struct report_chart c = chart("nobody", NOV_01, 0, NULL, NULL, 0);
	struct buf b;

	c.to_s = DEC_01;
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_STR_LACKS(svg_text(&b), "<polyline");
	CHECK_STR_HAS(svg_text(&b), "no samples in this period");
	CHECK_STR_HAS(svg_text(&b), "95th percentile: 0.0 Mbit/s");
	/* all zero: the scale is 0..1 by 0.2 */
	CHECK_GROUP(svg_text(&b), "y-axis", "0.0 0.2 0.4 0.6 0.8 1.0");
	buf_fini(&b);

	/* no period either: still a chart, one bucket wide */
	c.to_s = c.from_s;
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	buf_fini(&b);
	return 0;
}

static int
t_one_sample(void)
{
	double v[1] = { 42 };
	struct report_chart c = chart("one", NOV_03, 1, v, v, 42);
	struct buf b;

	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_INT(count_points(svg_text(&b), "out"), 1);
	CHECK_INT(count_points(svg_text(&b), "in"), 1);
	/* a one-point line is invisible: the sample gets a dot */
	CHECK_STR_HAS(svg_text(&b), "<circle");
	/* 42: step 10 gives 4 + 1 = 5 intervals, top 50 */
	CHECK_GROUP(svg_text(&b), "y-axis", "0 10 20 30 40 50");
	/* a 5-minute period: both ends with their time of day */
	CHECK_STR_HAS(svg_text(&b),
	    "2024-11-03 00:00 to 2024-11-03 00:05 (billed: out)");
	buf_fini(&b);
	return 0;
}

static int
t_all_zero(void)
{
	double *v = alloc_series(MONTH);
	struct report_chart c = chart("zero", NOV_01, MONTH, v, v, 0);
	struct buf b;

	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_INT(count_points(svg_text(&b), "out"), MONTH);
	CHECK_GROUP(svg_text(&b), "y-axis", "0.0 0.2 0.4 0.6 0.8 1.0");
	buf_fini(&b);
	free(v);
	return 0;
}

/* NaN, infinities, negatives and absurd values: drawn as 0 or clamped. */
static int
t_bad_values(void)
{
	double v[6] = { NAN, INFINITY, -INFINITY, -5, 1e300, 80 };
	struct report_chart c = chart("bad", NOV_03, 6, v, v, 50);
	struct buf b;

	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_INT(count_points(svg_text(&b), "out"), 6);
	CHECK_INT(count_points(svg_text(&b), "in"), 6);
	buf_fini(&b);
	return 0;
}

/*
 * Round y ticks: the first 1-2-5 step giving at most 6 intervals, the top
 * strictly above max(series, p95). Worked out by hand:
 *   87.3: steps 1, 2, 5 give 88, 44, 18; 10 gives 9; 20 gives 4 + 1 = 5
 *   100: 20 gives 5 + 1 = 6 (100 itself is a tick, so the top is 120)
 *   950: 100 gives 10; 200 gives 4 + 1 = 5 -> 1000
 *   2000: 200 gives 11; 500 gives 4 + 1 = 5 -> 2500
 *   0.3: 0.05 gives 7; 0.1 gives 3 + 1 = 4 -> 0.4 (one decimal)
 *   0.012: 0.001 gives 13; 0.002 gives 7; 0.005 gives 3 -> 0.015
 *   p95 45 over a series peaking at 10: 10 gives 4 + 1 = 5 -> 50
 */
static int
t_y_ticks(void)
{
	static const struct {
		double max, p95;
		const char *want;
	} cases[] = {
		{ 87.3, 50, "0 20 40 60 80 100" },
		{ 100, 50, "0 20 40 60 80 100 120" },
		{ 950, 400, "0 200 400 600 800 1000" },
		{ 2000, 400, "0 500 1000 1500 2000 2500" },
		{ 0.3, 0.1, "0.0 0.1 0.2 0.3 0.4" },
		{ 0.012, 0.01, "0.000 0.005 0.010 0.015" },
		{ 10, 45, "0 10 20 30 40 50" },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double v[3] = { 0, cases[i].max, cases[i].max / 2 };
		struct report_chart c = chart("y", NOV_03, 3, v, NULL,
		    cases[i].p95);
		struct buf b;

		CHECK_INT(render(&c, &b), 0);
		CHECK_GROUP(svg_text(&b), "y-axis", cases[i].want);
		buf_fini(&b);
	}
	return 0;
}

/*
 * Short periods get time-of-day ticks. The y labels are at most "60"
 * (2 digits), so the plot spans x 56..970, 914 px.
 *   6 hours: 30 min is 914 / 12 = 76 px (15 min, 38 px, is too tight
 *   for a label every 56 px): 12:00, 12:30, ... 18:00.
 *   2 days: 3 h is 914 / 16 = 57 px (2 h is 38): midnights show the date.
 */
static int
t_x_ticks_short(void)
{
	double *v = alloc_series(576);
	struct report_chart c;
	struct buf b;

	memset(v, 0, 576 * sizeof(*v));
	v[10] = 50;
	c = chart("short", NOV_03 + 12 * 3600, 72, v, NULL, 20);
	CHECK_INT(render(&c, &b), 0);
	CHECK_GROUP(svg_text(&b), "x-axis", "12:00 12:30 13:00 13:30 14:00 "
	    "14:30 15:00 15:30 16:00 16:30 17:00 17:30 18:00");
	CHECK_STR_HAS(svg_text(&b),
	    "2024-11-03 12:00 to 2024-11-03 18:00 (billed: out)");
	buf_fini(&b);

	c = chart("two days", NOV_03, 576, v, NULL, 20);
	CHECK_INT(render(&c, &b), 0);
	CHECK_GROUP(svg_text(&b), "x-axis", "Nov 03 03:00 06:00 09:00 12:00 "
	    "15:00 18:00 21:00 Nov 04 03:00 06:00 09:00 12:00 15:00 18:00 "
	    "21:00 Nov 05");
	buf_fini(&b);
	free(v);
	return 0;
}

/* A buffer too small fails cleanly with the buffer's error. */
static int
t_small_buffer(void)
{
	double v[3] = { 1, 2, 3 };
	struct report_chart c = chart("small", NOV_03, 3, v, NULL, 2);
	struct buf b;

	buf_init(&b, 100);
	CHECK_INT(report_svg_render(&c, &b), -ENOBUFS);
	CHECK_INT(b.err, -ENOBUFS);
	buf_fini(&b);
	return 0;
}

/*
 * A realistic November: diurnal traffic between ~80 and ~700 Mbit/s,
 * busier at weekends, two live events at ~1.8 Gbit/s, inbound a tenth of
 * outbound; the p95 comes from p95_compute on the same samples. Written to
 * the build tree for a look in a browser.
 */
static int
t_month(void)
{
	double *out = alloc_series(MONTH), *in = alloc_series(MONTH);
	uint64_t *kbps = calloc(MONTH, sizeof(*kbps));
	const char *top = getenv("top_builddir");
	struct p95_result r;
	struct report_chart c;
	struct buf b;
	uint32_t seed = 12345;
	char path[1024];
	size_t i;

	if (kbps == NULL)
		abort();
	for (i = 0; i < MONTH; i++) {
		double hour = (double)(i % 288) / 12, day = (double)(i / 288);
		/* peak at 20:00 UTC, trough at 08:00 */
		double diurnal = 0.5 - 0.5 * cos((hour - 8) / 24 * 2 * M_PI);
		double weekend = ((i / 288) + 5) % 7 >= 5 ? 1.25 : 1.0;

		seed = seed * 1103515245 + 12345;  /* deterministic noise */
		out[i] = (80 + 560 * diurnal * diurnal) * weekend *
		    (0.92 + 0.16 * (double)(seed >> 16 & 0x7fff) / 32767);
		if ((day == 9 || day == 22) && hour >= 18 && hour < 21)
			out[i] = 1800 + 30 * sin((double)i);
		in[i] = out[i] / 10;
		kbps[i] = (uint64_t)(out[i] * 1000);
	}
	CHECK_INT(p95_compute(kbps, MONTH, &r), 0);
	c = chart("Acme Streaming & Co <EU>", NOV_01, MONTH, out, in,
	    (double)r.billable / 1000);
	CHECK(c.to_s == DEC_01);
	CHECK_INT(render(&c, &b), 0);
	/* under make check; run by hand, the copy goes to a temporary file */
	snprintf(path, sizeof(path), "%s/tests/unit/report_example.svg",
	    top ? top : ".");
	if (check_xml(svg_text(&b), top ? path : NULL) ||
	    check_finite(svg_text(&b)))
		return 1;
	if (top)
		fprintf(stderr, "  wrote %s (%zu bytes, p95 %.1f Mbit/s)\n",
		    path, b.len - 1, (double)r.billable / 1000);
	CHECK_INT(count_points(svg_text(&b), "out"), MONTH);
	CHECK_INT(count_points(svg_text(&b), "in"), MONTH);
	CHECK_STR_HAS(svg_text(&b), "Acme Streaming &amp; Co &lt;EU&gt; "
	    "&#8212; bandwidth, 2024-11-01 to 2024-12-01 (billed: out)");
	CHECK_STR_HAS(svg_text(&b), "width=\"1000\" height=\"420\" "
	    "viewBox=\"0 0 1000 420\"");
	CHECK_STR_HAS(svg_text(&b), "font-family=\"sans-serif\"");
	CHECK_STR_HAS(svg_text(&b), ">Mbit/s</text>");
	CHECK_STR_HAS(svg_text(&b), ">time (UTC)</text>");
	/*
	 * The events (~1830) set the scale: 500 gives 3 + 1 = 4 intervals,
	 * top 2000, labels up to 4 digits: x0 = 30 + 4 * 0.62 * 11 + 10 =
	 * 67.3 -> 67, plot 903 px, a day is 30.1 px: two days (60.2 px) is the
	 * first step with room for "Nov 03", counted from Nov 01.
	 */
	CHECK_GROUP(svg_text(&b), "y-axis", "0 500 1000 1500 2000");
	CHECK_GROUP(svg_text(&b), "x-axis", "Nov 01 Nov 03 Nov 05 Nov 07 "
	    "Nov 09 Nov 11 Nov 13 Nov 15 Nov 17 Nov 19 Nov 21 Nov 23 Nov 25 "
	    "Nov 27 Nov 29 Dec 01");
	/* the 72 event samples (2 x 3 h) are well inside the 432 discarded:
	 * the bill sits far below them */
	CHECK(r.billable < 1000 * 1000);
	buf_fini(&b);
	free(out);
	free(in);
	free(kbps);
	return 0;
}

/*
 * A period shorter than the samples (or starting after them): the points
 * that fall outside it are pinned to the frame's edge, never drawn
 * outside the plot.
 */
static int
t_period_mismatch(void)
{
	double v[40];
	struct report_chart c;
	struct buf b;
	size_t i;

	for (i = 0; i < 40; i++)
		v[i] = (double)i;
	c = chart("short period", NOV_03, 40, v, v, 30);
	c.to_s = NOV_03 + 10 * 300;  /* 10 buckets for 40 samples */
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_INT(count_points(svg_text(&b), "out"), 40);
	CHECK_INT(count_points(svg_text(&b), "in"), 40);
	buf_fini(&b);

	/* reversed: to before from; the axis covers the samples instead */
	c.to_s = NOV_03 - 86400;
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_INT(count_points(svg_text(&b), "out"), 40);
	/* 40 x 5 min from 00:00 */
	CHECK_STR_HAS(svg_text(&b), "2024-11-03 00:00 to 2024-11-03 03:20");
	buf_fini(&b);

	/* absurd times are clamped, not overflowed */
	c.from_s = INT64_MIN;
	c.to_s = INT64_MAX;
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_INT(count_points(svg_text(&b), "out"), 40);
	buf_fini(&b);
	return 0;
}

/* Sizes: defaults, custom, and absurd ones clamped. */
static int
t_sizes(void)
{
	double v[3] = { 1, 2, 3 };
	struct report_chart c = chart("size", NOV_03, 3, v, NULL, 2);
	struct buf b;

	c.width = 640;
	c.height = 300;
	CHECK_INT(render(&c, &b), 0);
	CHECK_STR_HAS(svg_text(&b), "width=\"640\" height=\"300\" "
	    "viewBox=\"0 0 640 300\"");
	CHECK_STR_HAS(svg_text(&b), "<rect id=\"background\" x=\"0\" y=\"0\" "
	    "width=\"640\" height=\"300\" fill=\"#ffffff\"/>");
	buf_fini(&b);
	c.width = 5;
	c.height = -1;
	CHECK_INT(render(&c, &b), 0);
	if (check_xml(svg_text(&b), NULL) || check_finite(svg_text(&b)))
		return 1;
	CHECK_STR_HAS(svg_text(&b), "width=\"320\" height=\"420\"");
	CHECK_INT(count_points(svg_text(&b), "out"), 3);
	buf_fini(&b);
	return 0;
}

int
main(void)
{
	RUN(t_escape);
	RUN(t_bad_bytes);
	RUN(t_long_name);
	RUN(t_p95_text);
	RUN(t_points);
	RUN(t_empty);
	RUN(t_one_sample);
	RUN(t_all_zero);
	RUN(t_bad_values);
	RUN(t_y_ticks);
	RUN(t_x_ticks_short);
	RUN(t_small_buffer);
	RUN(t_month);
	RUN(t_period_mismatch);
	RUN(t_sizes);
	return check_done();
}
