/*
 * report_svg: the bandwidth chart of a billing report; see report_svg.h.
 *
 * Layout (default 1000 x 420): title and legend in a header band, the plot
 * below with y tick labels on the left and time labels underneath, axis
 * titles outside them. The y axis runs from 0 to the first 1-2-5 tick above
 * max(series, p95), so the peak never touches the frame and the 95th
 * percentile line is always inside. Time ticks sit on UTC boundaries (whole
 * days for a month, hours or minutes for short periods), spaced so labels
 * cannot overlap. Text widths are estimated (0.62 em a character, about
 * right for DejaVu Sans, the widest common sans-serif) since SVG cannot
 * measure before rendering.
 *
 * Numbers are written with integer arithmetic, not %f: the document must
 * use '.' as decimal point even if the caller has set a locale. Samples
 * that are not finite or negative are drawn as 0 (an empty bucket is a
 * sample of 0 in the billing rule, p95.h), and data is clipped to the plot,
 * so a caller's bad value cannot put NaN into the SVG or a line outside the
 * frame.
 *
 * Size: about 37 bytes a sample with both series (the out line, its filled
 * area and the in line), so a 30-day month is ~320 KB; give the buffer a
 * ceiling of 1 MiB or more.
 */
#include "config.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "report_svg.h"

#define SVG_W_DEFAULT 1000
#define SVG_H_DEFAULT 420
#define SVG_W_MIN 320           /* below this the header cannot fit */
#define SVG_H_MIN 200
#define SVG_DIM_MAX 16384
#define SVG_MBPS_MAX 1e12       /* 1 Ebit/s: beyond any real link */
#define SVG_TIME_LIMIT ((int64_t)1 << 40)  /* ~34800 years either side */
#define SVG_NAME_MAX_CP 64      /* customer name in the title, code points */
#define SVG_CHAR_EM 0.62        /* estimated glyph advance, in em */
#define SVG_XLABEL_MIN_PX 56    /* "Nov 03" at 11px plus a gap */
#define SVG_MARKER_MIN_PX 8.0   /* dots on the samples when this sparse */

#define SVG_FONT_TITLE 15
#define SVG_FONT_LEGEND 12
#define SVG_FONT_TICK 11

#define COLOR_OUT "#1f77b4"
#define COLOR_IN "#2ca02c"
#define COLOR_P95 "#d62728"
#define COLOR_GRID "#e4e4e4"
#define COLOR_AXIS "#888888"
#define COLOR_TEXT "#222222"
#define COLOR_MUTED "#666666"

#define DAY_S 86400

static const char *const month_abbr[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

struct plot {
	int w, h;
	double x0, x1, y0, y1;  /* the plot frame, pixels */
	int64_t from_s, span_s; /* time at x0; x1 is from_s + span_s */
	int bucket_s;
	double top;             /* Mbit/s at y0 */
	double ystep;
	int ydec;               /* decimals of the y tick labels */
};

/* --- text and numbers ------------------------------------------------- */

/*
 * One code point from NUL-terminated UTF-8, advancing *pp. Malformed input
 * (bad lead byte, truncated or overlong sequence, surrogate, > U+10FFFF)
 * consumes one byte and yields U+FFFD: a customer name from a database is
 * not trusted to be UTF-8, and one bad byte would make the whole document
 * unparseable XML.
 */
static uint32_t
utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t c = p[0], min;
	int len, i;

	if (c < 0x80) {
		*pp = p + 1;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2, c &= 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, c &= 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		*pp = p + 1;
		return 0xfffd;
	}
	/* stops at the NUL too: it is not a continuation byte */
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp = p + 1;
			return 0xfffd;
		}
		c = c << 6 | (p[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) {
		*pp = p + 1;
		return 0xfffd;
	}
	*pp = p + len;
	return c;
}

/* Code points in s, at most max (for width estimates). */
static size_t
text_len(const char *s, size_t max)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p != '\0' && n < max) {
		utf8_next(&p);
		n++;
	}
	return n;
}

/*
 * Append s as XML character data, safe in element content and in quoted
 * attributes: markup characters become entities, characters XML 1.0 does
 * not allow (C0 controls, U+FFFE/U+FFFF) and malformed UTF-8 become
 * U+FFFD, tab and newlines a space. At most max_cp code points are kept; a
 * longer text ends in an ellipsis.
 */
static void
put_text(struct buf *b, const char *s, size_t max_cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	while (*p != '\0') {
		const unsigned char *start = p;
		uint32_t c = utf8_next(&p);

		if (n++ == max_cp) {
			buf_printf(b, "&#8230;");
			break;
		}
		switch (c) {
		case '&': buf_printf(b, "&amp;"); break;
		case '<': buf_printf(b, "&lt;"); break;
		case '>': buf_printf(b, "&gt;"); break;
		case '"': buf_printf(b, "&quot;"); break;
		case '\'': buf_printf(b, "&#39;"); break;
		case '\t': case '\n': case '\r': buf_printf(b, " "); break;
		default:
			if (c < 0x20 || c == 0xfffe || c == 0xffff ||
			    c == 0xfffd)
				buf_printf(b, "&#xfffd;");
			else
				buf_append(b, start, (size_t)(p - start));
		}
	}
}

/*
 * Append v with dec decimals (0..3), rounded half away from zero. Callers
 * pass finite values bounded well inside +-1e15, so the scaled integer
 * cannot overflow.
 */
static void
put_num(struct buf *b, double v, int dec)
{
	static const long long pow10[] = { 1, 10, 100, 1000 };
	long long scale = pow10[dec], q;

	q = llround(fabs(v) * (double)scale);
	if (v < 0 && q != 0)
		buf_printf(b, "-");
	buf_printf(b, "%lld", q / scale);
	if (dec > 0)
		buf_printf(b, ".%0*lld", dec, q % scale);
}

/* One decimal from 1 Mbit/s up, three below: 0.05 must not read "0.1". */
static int
mbps_decimals(double v)
{
	return v > 0 && v < 1 ? 3 : 1;
}

static double
clamp_mbps(double v)
{
	if (!isfinite(v) || v < 0)
		return 0;
	return v > SVG_MBPS_MAX ? SVG_MBPS_MAX : v;
}

static int64_t
clamp_time(int64_t t)
{
	if (t < -SVG_TIME_LIMIT)
		return -SVG_TIME_LIMIT;
	return t > SVG_TIME_LIMIT ? SVG_TIME_LIMIT : t;
}

/* floor(a / m) for m > 0, also for negative a (times before 1970). */
static int64_t
floor_div(int64_t a, int64_t m)
{
	int64_t q = a / m;

	return (a % m != 0 && a < 0) ? q - 1 : q;
}

static bool
utc(int64_t t, struct tm *tm)
{
	time_t tt = (time_t)t;

	return gmtime_r(&tt, tm) != NULL;
}

/* "2024-11-01", or "2024-11-01 14:05" with the time of day. */
static void
fmt_period_end(char *s, size_t len, int64_t t, bool has_time)
{
	struct tm tm;

	if (!utc(t, &tm))
		snprintf(s, len, "@%lld", (long long)t);
	else if (!has_time)
		snprintf(s, len, "%04d-%02d-%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
	else
		snprintf(s, len, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min);
}

/* An x tick label: "Nov 03" at midnight or for day steps, else "14:00". */
static void
fmt_tick(char *s, size_t len, int64_t t, bool is_day)
{
	struct tm tm;

	if (!utc(t, &tm))
		snprintf(s, len, "?");
	else if (is_day || floor_div(t, DAY_S) * DAY_S == t)
		snprintf(s, len, "%s %02d", month_abbr[tm.tm_mon % 12],
		    tm.tm_mday);
	else
		snprintf(s, len, "%02d:%02d", tm.tm_hour, tm.tm_min);
}

static double
text_width(size_t n_chars, int font_px)
{
	return (double)n_chars * SVG_CHAR_EM * font_px;
}

/* --- scales ----------------------------------------------------------- */

/*
 * The y scale: the smallest 1-2-5 step (0.1, 0.2, 0.5, 1, 2, 5, 10, ...)
 * that covers ymax with at most 6 intervals, and the first multiple of it
 * strictly above ymax as the top. An all-zero chart gets 0..1 by 0.2;
 * below 0.01 Mbit/s the scale stops shrinking (labels have at most three
 * decimals).
 */
static void
y_scale(double ymax, struct plot *pl)
{
	static const int mult[] = { 1, 2, 5 };
	int e, i;

	if (!(ymax > 0)) {
		pl->ystep = 0.2;
		pl->top = 1;
		pl->ydec = 1;
		return;
	}
	if (ymax < 0.01)
		ymax = 0.01;
	/* start one decade below ymax: 10 steps of that are always too many */
	for (e = (int)floor(log10(ymax)) - 1;; e++) {
		for (i = 0; i < 3; i++) {
			double step = mult[i] * pow(10, e);
			/* the 1e-9 absorbs 0.3 / 0.1 = 2.9999999999999996 */
			double k = floor(ymax / step + 1e-9) + 1;

			if (k <= 6) {
				pl->ystep = step;
				pl->top = k * step;
				/* m * 10^e needs -e decimals; e >= -3 by
				 * the floor on ymax above */
				pl->ydec = e < 0 ? -e : 0;
				return;
			}
		}
	}
}

static double
x_of(const struct plot *pl, double t_rel_s)
{
	double x = pl->x0 + t_rel_s / (double)pl->span_s * (pl->x1 - pl->x0);

	if (x < pl->x0)
		return pl->x0;
	return x > pl->x1 ? pl->x1 : x;
}

static double
y_of(const struct plot *pl, double mbps)
{
	return pl->y1 - mbps / pl->top * (pl->y1 - pl->y0);
}

/* Grid lines on pixel centres, so a 1px line is sharp. */
static double
crisp(double v)
{
	return floor(v) + 0.5;
}

/* --- parts of the chart ----------------------------------------------- */

/* "<customer> &#8212; bandwidth, <from> to <to> (billed: <dir>)" */
static void
put_title(struct buf *b, const char *name, const struct plot *pl,
    const char *dir)
{
	int64_t end = pl->from_s + pl->span_s;
	/* a month reads "2024-11-01 to 2024-12-01"; both ends get the time
	 * of day as soon as one needs it */
	bool has_time = pl->from_s % DAY_S != 0 || end % DAY_S != 0;
	char from[40], to[40];

	fmt_period_end(from, sizeof(from), pl->from_s, has_time);
	fmt_period_end(to, sizeof(to), end, has_time);
	put_text(b, name, SVG_NAME_MAX_CP);
	buf_printf(b, " &#8212; bandwidth, %s to %s (billed: ", from, to);
	put_text(b, dir, 16);
	buf_printf(b, ")");
}

static void
draw_title(struct buf *b, const char *name, const struct plot *pl,
    const char *dir)
{
	double est, avail = pl->w - 2.0 * 16;

	/* the period is at most 2 x 16 characters; bold glyphs run ~8 %
	 * wider than the estimate */
	est = text_width(text_len(name, SVG_NAME_MAX_CP + 1) +
	    strlen(" - bandwidth,  to  (billed: )") + 32 + text_len(dir, 17),
	    SVG_FONT_TITLE) * 1.08;
	buf_printf(b, "<text id=\"title\" x=\"16\" y=\"25\" "
	    "font-size=\"%d\" font-weight=\"bold\" fill=\"" COLOR_TEXT "\"",
	    SVG_FONT_TITLE);
	if (est > avail) {
		/* a long name: squeeze rather than run off the edge */
		buf_printf(b, " textLength=\"");
		put_num(b, avail, 0);
		buf_printf(b, "\" lengthAdjust=\"spacingAndGlyphs\"");
	}
	buf_printf(b, ">");
	put_title(b, name, pl, dir);
	buf_printf(b, "</text>\n");
}

static void
legend_entry(struct buf *b, double *x, double y, const char *color,
    bool is_dashed, const char *label, double value, bool has_value)
{
	size_t n = strlen(label);

	buf_printf(b, "<line x1=\"");
	put_num(b, *x, 1);
	buf_printf(b, "\" y1=\"");
	put_num(b, y - 4, 1);
	buf_printf(b, "\" x2=\"");
	put_num(b, *x + 20, 1);
	buf_printf(b, "\" y2=\"");
	put_num(b, y - 4, 1);
	buf_printf(b, "\" stroke=\"%s\" stroke-width=\"%s\"%s/>", color,
	    is_dashed ? "1.5" : "2",
	    is_dashed ? " stroke-dasharray=\"6 4\"" : "");
	buf_printf(b, "<text x=\"");
	put_num(b, *x + 26, 1);
	buf_printf(b, "\" y=\"");
	put_num(b, y, 1);
	buf_printf(b, "\">%s", label);
	if (has_value) {
		int dec = mbps_decimals(value);

		buf_printf(b, ": ");
		put_num(b, value, dec);
		buf_printf(b, " Mbit/s");
		/* ": " + integer digits + "." + decimals + " Mbit/s" */
		n += 2 + (size_t)snprintf(NULL, 0, "%.0f", floor(value)) + 1 +
		    (size_t)dec + 7;
	}
	buf_printf(b, "</text>\n");
	*x += 26 + text_width(n, SVG_FONT_LEGEND) + 22;
}

static void
draw_legend(struct buf *b, const struct report_chart *c,
    const struct plot *pl, const char *dir, double p95)
{
	double x = pl->x0, y = 47;

	buf_printf(b, "<g id=\"legend\" font-size=\"%d\" fill=\""
	    COLOR_TEXT "\">\n", SVG_FONT_LEGEND);
	legend_entry(b, &x, y, COLOR_OUT, false,
	    strcmp(dir, "out") == 0 ? "out (billed)" : "out", 0, false);
	if (c->mbps_in != NULL)
		legend_entry(b, &x, y, COLOR_IN, false,
		    strcmp(dir, "in") == 0 ? "in (billed)" : "in", 0, false);
	legend_entry(b, &x, y, COLOR_P95, true, "95th percentile", p95, true);
	buf_printf(b, "</g>\n");
}

static void
draw_y_axis(struct buf *b, const struct plot *pl)
{
	int i, k = (int)lround(pl->top / pl->ystep);

	buf_printf(b, "<g id=\"y-axis\" font-size=\"%d\" fill=\""
	    COLOR_MUTED "\" text-anchor=\"end\">\n", SVG_FONT_TICK);
	for (i = 0; i <= k; i++) {
		double v = i * pl->ystep, y = crisp(y_of(pl, v));

		if (i > 0) {  /* the frame is the 0 line */
			buf_printf(b, "<line x1=\"");
			put_num(b, pl->x0, 1);
			buf_printf(b, "\" x2=\"");
			put_num(b, pl->x1, 1);
			buf_printf(b, "\" y1=\"");
			put_num(b, y, 1);
			buf_printf(b, "\" y2=\"");
			put_num(b, y, 1);
			buf_printf(b, "\" stroke=\"" COLOR_GRID "\"/>");
		}
		buf_printf(b, "<text x=\"");
		put_num(b, pl->x0 - 7, 1);
		buf_printf(b, "\" y=\"");
		put_num(b, y + 4, 1);  /* baseline: digits centred on line */
		buf_printf(b, "\">");
		put_num(b, v, pl->ydec);
		buf_printf(b, "</text>\n");
	}
	buf_printf(b, "</g>\n");
	/* the axis title, rotated, centred on the plot's height */
	buf_printf(b, "<text transform=\"translate(18,");
	put_num(b, (pl->y0 + pl->y1) / 2, 1);
	buf_printf(b, ") rotate(-90)\" text-anchor=\"middle\" font-size=\"%d\" "
	    "fill=\"" COLOR_TEXT "\">Mbit/s</text>\n", SVG_FONT_LEGEND);
}

static void
draw_x_axis(struct buf *b, const struct plot *pl)
{
	/* UTC-aligned steps; each divides a day or is whole days */
	static const int64_t steps[] = {
		60, 120, 300, 600, 900, 1800, 3600, 2 * 3600, 3 * 3600,
		6 * 3600, 12 * 3600, DAY_S, 2 * DAY_S, 7 * DAY_S, 14 * DAY_S,
		28 * DAY_S,
	};
	double px_per_s = (pl->x1 - pl->x0) / (double)pl->span_s;
	double half = text_width(6, SVG_FONT_TICK) / 2;
	int64_t step = 0, t, first, end = pl->from_s + pl->span_s;
	size_t i;
	bool is_day;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((double)steps[i] * px_per_s >= SVG_XLABEL_MIN_PX) {
			step = steps[i];
			break;
		}
	}
	/* periods of years: multiples of 28 days (loop ends: the span is
	 * below 2^41 s, so some step fits within ~40 doublings) */
	if (step == 0)
		for (step = 56 * DAY_S;
		    (double)step * px_per_s < SVG_XLABEL_MIN_PX; step *= 2)
			;
	is_day = step >= DAY_S;
	/* sub-day steps: multiples of step since the epoch are UTC-aligned;
	 * day steps: count from the first midnight so the month's first day
	 * is labelled */
	if (is_day)
		first = floor_div(pl->from_s + DAY_S - 1, DAY_S) * DAY_S;
	else
		first = floor_div(pl->from_s + step - 1, step) * step;

	buf_printf(b, "<g id=\"x-axis\" font-size=\"%d\" fill=\""
	    COLOR_MUTED "\" text-anchor=\"middle\">\n", SVG_FONT_TICK);
	/* day steps longer than one day: a small tick at every midnight */
	if (step > DAY_S && DAY_S * px_per_s >= 4) {
		for (t = first; t <= end; t += DAY_S) {
			double x = crisp(x_of(pl, (double)(t - pl->from_s)));

			buf_printf(b, "<line x1=\"");
			put_num(b, x, 1);
			buf_printf(b, "\" x2=\"");
			put_num(b, x, 1);
			buf_printf(b, "\" y1=\"");
			put_num(b, pl->y1, 1);
			buf_printf(b, "\" y2=\"");
			put_num(b, pl->y1 + 3, 1);
			buf_printf(b, "\" stroke=\"" COLOR_AXIS "\"/>");
		}
		buf_printf(b, "\n");
	}
	for (t = first; t <= end; t += step) {
		double x = crisp(x_of(pl, (double)(t - pl->from_s)));
		char label[24];

		buf_printf(b, "<line x1=\"");
		put_num(b, x, 1);
		buf_printf(b, "\" x2=\"");
		put_num(b, x, 1);
		buf_printf(b, "\" y1=\"");
		put_num(b, pl->y0, 1);
		buf_printf(b, "\" y2=\"");
		put_num(b, pl->y1 + 5, 1);
		buf_printf(b, "\" stroke=\"" COLOR_GRID "\"/>");
		/* a label that would cross the document's edge is left out */
		if (x - half < 2 || x + half > pl->w - 2)
			continue;
		fmt_tick(label, sizeof(label), t, is_day);
		buf_printf(b, "<text x=\"");
		put_num(b, x, 1);
		buf_printf(b, "\" y=\"");
		put_num(b, pl->y1 + 18, 1);
		buf_printf(b, "\">%s</text>\n", label);
	}
	buf_printf(b, "</g>\n");
	buf_printf(b, "<text x=\"");
	put_num(b, (pl->x0 + pl->x1) / 2, 1);
	buf_printf(b, "\" y=\"%d\" text-anchor=\"middle\" font-size=\"%d\" "
	    "fill=\"" COLOR_TEXT "\">time (UTC)</text>\n", pl->h - 10,
	    SVG_FONT_LEGEND);
}

/* The x of sample i: the middle of its bucket. */
static double
sample_x(const struct plot *pl, size_t i)
{
	return x_of(pl, ((double)i + 0.5) * pl->bucket_s);
}

static void
put_points(struct buf *b, const struct plot *pl, const double *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_printf(b, " ");
		put_num(b, sample_x(pl, i), 1);
		buf_printf(b, ",");
		put_num(b, y_of(pl, clamp_mbps(v[i])), 1);
	}
}

static void
draw_series(struct buf *b, const struct plot *pl, const char *id,
    const char *color, const double *v, size_t n, bool has_area)
{
	size_t i;

	if (has_area) {
		/* the area under the billed line, closed along the x axis */
		buf_printf(b, "<polygon id=\"%s-area\" fill=\"%s\" "
		    "fill-opacity=\"0.15\" stroke=\"none\" points=\"", id,
		    color);
		put_num(b, sample_x(pl, 0), 1);
		buf_printf(b, ",");
		put_num(b, pl->y1, 1);
		buf_printf(b, " ");
		put_points(b, pl, v, n);
		buf_printf(b, " ");
		put_num(b, sample_x(pl, n - 1), 1);
		buf_printf(b, ",");
		put_num(b, pl->y1, 1);
		buf_printf(b, "\"/>\n");
	}
	buf_printf(b, "<polyline id=\"%s\" fill=\"none\" stroke=\"%s\" "
	    "stroke-width=\"1.2\" stroke-linejoin=\"round\" points=\"", id,
	    color);
	put_points(b, pl, v, n);
	buf_printf(b, "\"/>\n");

	/* a few samples (one is an invisible line): dot each one */
	if ((pl->x1 - pl->x0) / (double)n >= SVG_MARKER_MIN_PX) {
		buf_printf(b, "<g fill=\"%s\">", color);
		for (i = 0; i < n; i++) {
			buf_printf(b, "<circle cx=\"");
			put_num(b, sample_x(pl, i), 1);
			buf_printf(b, "\" cy=\"");
			put_num(b, y_of(pl, clamp_mbps(v[i])), 1);
			buf_printf(b, "\" r=\"2.5\"/>");
		}
		buf_printf(b, "</g>\n");
	}
}

static void
draw_p95(struct buf *b, const struct plot *pl, double p95)
{
	double y = y_of(pl, p95), w, box_y;
	int dec = mbps_decimals(p95);

	buf_printf(b, "<line id=\"p95\" x1=\"");
	put_num(b, pl->x0, 1);
	buf_printf(b, "\" x2=\"");
	put_num(b, pl->x1, 1);
	buf_printf(b, "\" y1=\"");
	put_num(b, y, 1);
	buf_printf(b, "\" y2=\"");
	put_num(b, y, 1);
	buf_printf(b, "\" stroke=\"" COLOR_P95 "\" stroke-width=\"1.5\" "
	    "stroke-dasharray=\"6 4\"/>\n");
	/*
	 * The value in a boxed label at the right end, above the line unless
	 * that would leave the plot. The box is nearly opaque: the busiest
	 * hours reach the p95 line by definition, and text drawn straight
	 * over them is unreadable.
	 */
	w = text_width(4 + (size_t)snprintf(NULL, 0, "%.0f", floor(p95)) + 1 +
	    (size_t)dec + 7, SVG_FONT_TICK) * 1.08;  /* bold */
	box_y = y - 3 - 16 < pl->y0 ? y + 3 : y - 3 - 16;
	buf_printf(b, "<rect x=\"");
	put_num(b, pl->x1 - 8 - w - 6, 1);
	buf_printf(b, "\" y=\"");
	put_num(b, box_y, 1);
	buf_printf(b, "\" width=\"");
	put_num(b, w + 12, 1);
	buf_printf(b, "\" height=\"16\" rx=\"2\" fill=\"#ffffff\" "
	    "fill-opacity=\"0.9\" stroke=\"" COLOR_P95 "\" "
	    "stroke-width=\"0.8\"/>");
	/* centred: the width is an estimate, this spreads its error evenly */
	buf_printf(b, "<text x=\"");
	put_num(b, pl->x1 - 8 - w / 2, 1);
	buf_printf(b, "\" y=\"");
	put_num(b, box_y + 12, 1);
	buf_printf(b, "\" text-anchor=\"middle\" font-size=\"%d\" "
	    "font-weight=\"bold\" fill=\"" COLOR_P95 "\">p95 ",
	    SVG_FONT_TICK);
	put_num(b, p95, dec);
	buf_printf(b, " Mbit/s</text>\n");
}

/* --- the document ----------------------------------------------------- */

/*
 * Borrows c and its arrays (mbps_out and mbps_in must hold c->n values
 * when n > 0). Appends to out; on failure out->err is set and out may hold
 * part of a document. Any thread (no shared state; gmtime_r).
 */
int
report_svg_render(const struct report_chart *c, struct buf *out)
{
	struct plot pl;
	const char *dir = c->direction ? c->direction : "out";
	double ymax, p95 = clamp_mbps(c->p95_mbps), label_w;
	int64_t from = clamp_time(c->from_s), to = clamp_time(c->to_s);
	const char *name = c->customer ? c->customer : "";
	size_t i, n = c->n;

	memset(&pl, 0, sizeof(pl));
	pl.w = c->width > 0 ? c->width : SVG_W_DEFAULT;
	pl.h = c->height > 0 ? c->height : SVG_H_DEFAULT;
	pl.w = pl.w < SVG_W_MIN ? SVG_W_MIN :
	    pl.w > SVG_DIM_MAX ? SVG_DIM_MAX : pl.w;
	pl.h = pl.h < SVG_H_MIN ? SVG_H_MIN :
	    pl.h > SVG_DIM_MAX ? SVG_DIM_MAX : pl.h;
	pl.bucket_s = c->bucket_s > 0 ? c->bucket_s : 300;
	if (c->mbps_out == NULL)
		n = 0;  /* nothing to draw from */

	/* an empty or reversed period: whatever the samples cover */
	pl.from_s = from;
	pl.span_s = to - from;
	if (pl.span_s <= 0) {
		double cover = (double)n * pl.bucket_s;

		pl.span_s = cover > (double)SVG_TIME_LIMIT ? SVG_TIME_LIMIT :
		    cover >= 1 ? (int64_t)cover : pl.bucket_s;
	}

	ymax = p95;
	for (i = 0; i < n; i++) {
		ymax = fmax(ymax, clamp_mbps(c->mbps_out[i]));
		if (c->mbps_in != NULL)
			ymax = fmax(ymax, clamp_mbps(c->mbps_in[i]));
	}
	y_scale(ymax, &pl);

	/* the left margin fits the widest y label, the top one: its integer
	 * digits, then the point and decimals */
	label_w = text_width((size_t)snprintf(NULL, 0, "%.0f", floor(pl.top)) +
	    (pl.ydec > 0 ? (size_t)pl.ydec + 1 : 0), SVG_FONT_TICK);
	pl.x0 = floor(fmax(56, 30 + label_w + 10));
	pl.x1 = pl.w - 30;  /* half a centred "Nov 03" past the last tick */
	pl.y0 = 62;         /* under the title and the legend */
	pl.y1 = pl.h - 46;  /* tick labels, then the axis title */

	buf_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
	    "width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" "
	    "font-family=\"sans-serif\" font-size=\"%d\">\n",
	    pl.w, pl.h, pl.w, pl.h, SVG_FONT_TICK);
	/* <title> names the document (the browser tab) */
	buf_printf(out, "<title>");
	put_title(out, name, &pl, dir);
	buf_printf(out, "</title>\n");
	buf_printf(out, "<rect id=\"background\" x=\"0\" y=\"0\" "
	    "width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n", pl.w, pl.h);
	draw_title(out, name, &pl, dir);
	draw_legend(out, c, &pl, dir, p95);
	draw_y_axis(out, &pl);
	draw_x_axis(out, &pl);

	buf_printf(out, "<clipPath id=\"plot-clip\"><rect id=\"plot-area\" "
	    "x=\"");
	put_num(out, pl.x0, 1);
	buf_printf(out, "\" y=\"");
	put_num(out, pl.y0, 1);
	buf_printf(out, "\" width=\"");
	put_num(out, pl.x1 - pl.x0, 1);
	buf_printf(out, "\" height=\"");
	put_num(out, pl.y1 - pl.y0, 1);
	buf_printf(out, "\"/></clipPath>\n");
	buf_printf(out, "<g id=\"data\" clip-path=\"url(#plot-clip)\">\n");
	if (n > 0) {
		if (c->mbps_in != NULL)
			draw_series(out, &pl, "in", COLOR_IN, c->mbps_in, n,
			    false);
		draw_series(out, &pl, "out", COLOR_OUT, c->mbps_out, n, true);
	}
	buf_printf(out, "</g>\n");
	if (n == 0) {
		buf_printf(out, "<text x=\"");
		put_num(out, (pl.x0 + pl.x1) / 2, 1);
		buf_printf(out, "\" y=\"");
		put_num(out, (pl.y0 + pl.y1) / 2, 1);
		buf_printf(out, "\" text-anchor=\"middle\" font-size=\"%d\" "
		    "fill=\"" COLOR_MUTED "\">no samples in this period"
		    "</text>\n", SVG_FONT_LEGEND);
	}
	draw_p95(out, &pl, p95);
	/* the frame last, over the data's edges */
	buf_printf(out, "<rect x=\"");
	put_num(out, crisp(pl.x0), 1);
	buf_printf(out, "\" y=\"");
	put_num(out, crisp(pl.y0), 1);
	buf_printf(out, "\" width=\"");
	put_num(out, floor(pl.x1) - floor(pl.x0), 1);
	buf_printf(out, "\" height=\"");
	put_num(out, floor(pl.y1) - floor(pl.y0), 1);
	buf_printf(out, "\" fill=\"none\" stroke=\"" COLOR_AXIS "\"/>\n");
	if (pl.w >= 600) {
		/* what one point is, for a reader comparing with their own
		 * graphs */
		buf_printf(out, "<text x=\"");
		put_num(out, pl.x1, 1);
		buf_printf(out, "\" y=\"%d\" text-anchor=\"end\" fill=\""
		    COLOR_MUTED "\">%zu sample%s of %d %s</text>\n", pl.h - 10,
		    n, n == 1 ? "" : "s",
		    pl.bucket_s % 60 == 0 ? pl.bucket_s / 60 : pl.bucket_s,
		    pl.bucket_s % 60 == 0 ? "min" : "s");
	}
	buf_printf(out, "</svg>\n");
	return out->err;
}
