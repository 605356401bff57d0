/*
 * test_http_cookie: the two small peer-input readers the dashboard and the
 * edge watcher lean on: http_cookie_get (common/http_cookie.c, RFC 6265
 * Cookie header) and prom_text_find (common/prom_text.c, Prometheus text
 * exposition 0.0.4).
 *
 * Cookie cases are a table of raw headers with the verdict and the value;
 * the output buffer has guard bytes past outlen that must stay untouched.
 * Exposition texts are copied into a heap block of exactly their length
 * with no NUL after them, so an ASan build catches any read past len.
 *
 * Behaviour pinned here that RFC 6265 leaves open: the first pair with the
 * name wins even when its value is refused (-EINVAL, no fallback to a
 * later pair); whitespace after a value is dropped, whitespace before it
 * (`name= v`) is a byte cookies may not hold (-EINVAL). For the
 * exposition: the first line of the series with a finite value wins, so a
 * NaN line is passed over for a later finite one.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "http_cookie.h"
#include "prom_text.h"

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* --- http_cookie_get ----------------------------------------------------- */

#define SID "cdn_session"
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

struct cookie_case {
	const char *header;
	const char *name;
	size_t outlen;
	int want;
	const char *value;   /* when want == 0 */
};

static const struct cookie_case cookie_cases[] = {
	/* plain, and among others */
	{ "cdn_session=abc", SID, 64, 0, "abc" },
	{ "a=1; cdn_session=abc; b=2", SID, 64, 0, "abc" },
	{ "a=1;cdn_session=abc;b=2", SID, 64, 0, "abc" },
	{ "cdn_session=" HEX64, SID, 65, 0, HEX64 },
	{ "cdn_session=a=b", SID, 64, 0, "a=b" },
	/* the first pair with the name wins */
	{ "cdn_session=first; cdn_session=second", SID, 64, 0, "first" },
	{ "cdn_session=a b; cdn_session=ok", SID, 64, -EINVAL, NULL },
	/* names that are prefixes or suffixes of others */
	{ "cdn_session_x=1; cdn_session=abc", SID, 64, 0, "abc" },
	{ "xcdn_session=1; cdn_session=abc", SID, 64, 0, "abc" },
	{ "cdn_sessio=1; cdn_session=abc", SID, 64, 0, "abc" },
	{ "cdn_session=abc", "cdn_sess", 64, -ENOENT, NULL },
	{ "cdn_session_x=1", SID, 64, -ENOENT, NULL },
	{ "CDN_SESSION=abc", SID, 64, -ENOENT, NULL },
	/* whitespace between pairs and after a value */
	{ "  cdn_session=abc  ;  b=2", SID, 64, 0, "abc" },
	{ "\tcdn_session=abc\t", SID, 64, 0, "abc" },
	{ "a=1;   \t cdn_session=abc", SID, 64, 0, "abc" },
	{ "cdn_session=abc ", SID, 64, 0, "abc" },
	{ ";;; cdn_session=abc;;", SID, 64, 0, "abc" },
	{ "cdn_session =abc", SID, 64, -ENOENT, NULL },
	{ "cdn_session= abc", SID, 64, -EINVAL, NULL },
	{ "cdn_session=a b", SID, 64, -EINVAL, NULL },
	/* quoted values are unquoted */
	{ "cdn_session=\"abc\"", SID, 64, 0, "abc" },
	{ "cdn_session=\"abc\" ; b=2", SID, 64, 0, "abc" },
	{ "cdn_session=\"\"", SID, 64, 0, "" },
	{ "cdn_session=\"", SID, 64, -EINVAL, NULL },
	{ "cdn_session=\"abc", SID, 64, -EINVAL, NULL },
	{ "cdn_session=\"a b\"", SID, 64, -EINVAL, NULL },
	{ "cdn_session=\"a\"b\"", SID, 64, -EINVAL, NULL },
	/* empty values */
	{ "cdn_session=", SID, 64, 0, "" },
	{ "cdn_session=; b=2", SID, 64, 0, "" },
	{ "cdn_session=", SID, 1, 0, "" },
	/* bytes cookies may not hold */
	{ "cdn_session=a,b", SID, 64, -EINVAL, NULL },
	{ "cdn_session=a\\b", SID, 64, -EINVAL, NULL },
	{ "cdn_session=a\x01z", SID, 64, -EINVAL, NULL },
	{ "cdn_session=a\x7fz", SID, 64, -EINVAL, NULL },
	{ "cdn_session=a\xc3\xa9z", SID, 64, -EINVAL, NULL },
	{ "cdn_session=a\"b", SID, 64, -EINVAL, NULL },
	/* outlen counts the NUL */
	{ "cdn_session=abcd", SID, 5, 0, "abcd" },
	{ "cdn_session=abcd", SID, 4, -E2BIG, NULL },
	{ "cdn_session=\"abcd\"", SID, 5, 0, "abcd" },
	{ "cdn_session=" HEX64, SID, 64, -E2BIG, NULL },
	{ "cdn_session=a", SID, 1, -E2BIG, NULL },
	{ "cdn_session=abc", SID, 0, -ENOENT, NULL },
	/* nothing there, or malformed pairs skipped */
	{ "", SID, 64, -ENOENT, NULL },
	{ "   ", SID, 64, -ENOENT, NULL },
	{ ";", SID, 64, -ENOENT, NULL },
	{ "a=1; b=2", SID, 64, -ENOENT, NULL },
	{ "cdn_session", SID, 64, -ENOENT, NULL },
	{ "cdn_session; cdn_session=abc", SID, 64, 0, "abc" },
	{ "junk; =x; cdn_session=abc", SID, 64, 0, "abc" },
	{ "=abc", SID, 64, -ENOENT, NULL },
	{ "cdn_session=abc", "", 64, -ENOENT, NULL },
	{ NULL, SID, 64, -ENOENT, NULL },
};

#define GUARD 16

static int
t_cookie_table(void)
{
	int bad = 0;

	for (size_t i = 0; i < N_ELEMS(cookie_cases); i++) {
		const struct cookie_case *c = &cookie_cases[i];
		char out[128 + GUARD];
		int rc;

		memset(out, 'Z', sizeof(out));
		rc = http_cookie_get(c->header, c->name, out, c->outlen);
		if (rc != c->want) {
			fprintf(stderr, "  case %zu [%s] name %s outlen %zu: got %d, want %d\n", i,
			    c->header ? c->header : "(null)", c->name, c->outlen, rc, c->want);
			bad = 1;
			continue;
		}
		if (c->want == 0 && strcmp(out, c->value) != 0) {
			fprintf(stderr, "  case %zu [%s]: got \"%s\", want \"%s\"\n", i, c->header,
			    out, c->value);
			bad = 1;
		}
		for (size_t k = c->outlen; k < sizeof(out); k++)
			if (out[k] != 'Z') {
				fprintf(stderr, "  case %zu [%s]: wrote byte %zu past outlen %zu\n", i,
				    c->header ? c->header : "(null)", k, c->outlen);
				bad = 1;
				break;
			}
	}
	return bad;
}

static int
t_cookie_null_args(void)
{
	char out[16];

	CHECK_INT(http_cookie_get("cdn_session=abc", NULL, out, sizeof(out)), -ENOENT);
	CHECK_INT(http_cookie_get("cdn_session=abc", SID, NULL, 16), -ENOENT);
	CHECK_INT(http_cookie_get(NULL, NULL, NULL, 0), -ENOENT);
	return 0;
}

/* The header in an exactly sized heap block: no read past its NUL. */
static int
t_cookie_exact_heap(void)
{
	static const char h[] = "a=1; cdn_csrf=\"" HEX64 "\"";
	char *p = malloc(sizeof(h));
	char out[sizeof(HEX64)];
	int rc;

	CHECK(p != NULL);
	memcpy(p, h, sizeof(h));
	rc = http_cookie_get(p, "cdn_csrf", out, sizeof(out));
	CHECK_INT(rc, 0);
	CHECK_STR(out, HEX64);
	CHECK_INT(http_cookie_get(p, "cdn_csrf\"", out, sizeof(out)), -ENOENT);
	free(p);
	return 0;
}

/* --- prom_text_find ------------------------------------------------------ */

/* An input literal with its exact length. */
#define B(s) s, sizeof(s) - 1

static const char edge_metrics[] =
	"# HELP cdn_edge_bytes_out_total Bytes sent to viewers.\n"
	"# TYPE cdn_edge_bytes_out_total counter\n"
	"cdn_edge_bytes_out_total 123456\n"
	"# HELP cdn_edge_bytes Bytes held in the cache.\n"
	"# TYPE cdn_edge_bytes gauge\n"
	"cdn_edge_bytes 42\n"
	"cdn_edge_requests_total{class=\"hit\"} 10\n"
	"cdn_edge_requests_total{class=\"miss\"} 3\n"
	"cdn_edge_up 1 1700000000000\n"
	"cdn_edge_ratio 0.25\n"
	"cdn_edge_neg -2\n"
	"cdn_edge_sci 1.5e3\n";

struct prom_case {
	const char *text;
	size_t len;
	const char *series;
	int want;
	double value;
};

static const struct prom_case prom_cases[] = {
	/* a series that is a prefix of another, either order */
	{ B(edge_metrics), "cdn_edge_bytes", 0, 42 },
	{ B(edge_metrics), "cdn_edge_bytes_out_total", 0, 123456 },
	{ B(edge_metrics), "cdn_edge_bytes_out", -ENOENT, 0 },
	{ B("cdn_edge_bytes_out_total 9\n"), "cdn_edge_bytes", -ENOENT, 0 },
	/* labels are part of the series, as the exporter prints them */
	{ B(edge_metrics), "cdn_edge_requests_total{class=\"hit\"}", 0, 10 },
	{ B(edge_metrics), "cdn_edge_requests_total{class=\"miss\"}", 0, 3 },
	{ B(edge_metrics), "cdn_edge_requests_total", -ENOENT, 0 },
	{ B(edge_metrics), "cdn_edge_requests_total{class=\"hit\"", -ENOENT, 0 },
	/* a timestamp after the value is ignored */
	{ B(edge_metrics), "cdn_edge_up", 0, 1 },
	{ B(edge_metrics), "cdn_edge_ratio", 0, 0.25 },
	{ B(edge_metrics), "cdn_edge_neg", 0, -2 },
	{ B(edge_metrics), "cdn_edge_sci", 0, 1500 },
	{ B(edge_metrics), "cdn_edge_missing", -ENOENT, 0 },
	/* comments are never samples */
	{ B("# x 5\n"), "# x", -ENOENT, 0 },
	{ B("# x 5\nx 6\n"), "x", 0, 6 },
	{ B("#x 5\n"), "#x", -ENOENT, 0 },
	/* only finite plain decimals */
	{ B("x NaN\n"), "x", -ENOENT, 0 },
	{ B("x nan\n"), "x", -ENOENT, 0 },
	{ B("x +Inf\n"), "x", -ENOENT, 0 },
	{ B("x -Inf\n"), "x", -ENOENT, 0 },
	{ B("x inf\n"), "x", -ENOENT, 0 },
	{ B("x 0x10\n"), "x", -ENOENT, 0 },
	{ B("x 0x1p3\n"), "x", -ENOENT, 0 },
	{ B("x 1e999\n"), "x", -ENOENT, 0 },
	{ B("x -1e999\n"), "x", -ENOENT, 0 },
	{ B("x 5abc\n"), "x", -ENOENT, 0 },
	{ B("x 1.5e\n"), "x", -ENOENT, 0 },
	{ B("x e\n"), "x", -ENOENT, 0 },
	{ B("x \n"), "x", -ENOENT, 0 },
	{ B("x\n"), "x", -ENOENT, 0 },
	{ B("x  5\n"), "x", -ENOENT, 0 },
	{ B("x NaN\nx 7\n"), "x", 0, 7 },
	/* no trailing newline, blank lines */
	{ B("x 5"), "x", 0, 5 },
	{ B("a 1\nx 5"), "x", 0, 5 },
	{ B("\n\n\nx 5\n\n"), "x", 0, 5 },
	/* len rules, not a NUL: cut inside the series or the value */
	{ "cdn_edge_bytes 42", 14, "cdn_edge_bytes", -ENOENT, 0 },
	{ "cdn_edge_bytes 42", 16, "cdn_edge_bytes", 0, 4 },
	{ "x 123456789", 7, "x", 0, 12345 },
	{ "x 5", 0, "x", -ENOENT, 0 },
	/* no series asked for */
	{ B("x 5\n"), "", -ENOENT, 0 },
	{ B("x 5\n"), NULL, -ENOENT, 0 },
};

static int
t_prom_table(void)
{
	int bad = 0;

	for (size_t i = 0; i < N_ELEMS(prom_cases); i++) {
		const struct prom_case *c = &prom_cases[i];
		char *t = malloc(c->len ? c->len : 1);   /* exactly len, no NUL */
		double v = -12345;
		int rc;

		if (t == NULL)
			abort();
		memcpy(t, c->text, c->len);
		rc = prom_text_find(t, c->len, c->series, &v);
		if (rc != c->want) {
			fprintf(stderr, "  case %zu series %s: got %d, want %d\n", i,
			    c->series ? c->series : "(null)", rc, c->want);
			bad = 1;
		} else if (rc == 0 && v != c->value) {
			fprintf(stderr, "  case %zu series %s: got %.17g, want %.17g\n", i,
			    c->series, v, c->value);
			bad = 1;
		}
		free(t);
	}
	return bad;
}

static int
t_prom_null_text(void)
{
	double v = 0;

	CHECK_INT(prom_text_find(NULL, 0, "x", &v), -ENOENT);
	CHECK_INT(prom_text_find(NULL, 10, "x", &v), -ENOENT);
	/* A NUL inside the value is not part of a number (found by fuzzing). */
	{
		static const char nul[] = "x 5\0999\n";
		CHECK_INT(prom_text_find(nul, sizeof(nul) - 1, "x", &v), -ENOENT);
	}
	return 0;
}

/*
 * Lines past PROM_LINE_MAX are skipped whole, even when they start with
 * the series; a line of exactly PROM_LINE_MAX is read. The padding is a
 * timestamp of zeros, so only the length decides.
 */
static char *
line_of(const char *head, size_t n, const char *tail, size_t *len)
{
	size_t hl = strlen(head), tl = strlen(tail);
	char *t = malloc(n + 1 + tl);

	if (t == NULL || n < hl)
		abort();
	memcpy(t, head, hl);
	memset(t + hl, '0', n - hl);
	t[n] = '\n';
	memcpy(t + n + 1, tail, tl);
	*len = n + 1 + tl;
	return t;
}

static int
t_prom_long_line(void)
{
	size_t len;
	double v = 0;
	char *t;

	t = line_of("x 1 ", PROM_LINE_MAX, "", &len);
	CHECK_INT(prom_text_find(t, len, "x", &v), 0);
	CHECK(v == 1);
	free(t);

	t = line_of("x 1 ", PROM_LINE_MAX + 1, "", &len);
	CHECK_INT(prom_text_find(t, len, "x", &v), -ENOENT);
	free(t);

	t = line_of("x 1 ", PROM_LINE_MAX + 1, "x 2", &len);
	v = 0;
	CHECK_INT(prom_text_find(t, len, "x", &v), 0);
	CHECK(v == 2);
	free(t);

	/* the over-long line is the last one, with no newline after it */
	t = line_of("x 1 ", PROM_LINE_MAX + 100, "", &len);
	CHECK_INT(prom_text_find(t, len - 1, "x", &v), -ENOENT);
	free(t);
	return 0;
}

/* A realistic /metrics body, cut at every length: no over-read, no crash. */
static int
t_prom_every_cut(void)
{
	for (size_t n = 0; n <= sizeof(edge_metrics) - 1; n++) {
		char *t = malloc(n ? n : 1);
		double v;
		int rc;

		if (t == NULL)
			abort();
		memcpy(t, edge_metrics, n);
		rc = prom_text_find(t, n, "cdn_edge_bytes", &v);
		/* "cdn_edge_bytes 4" ends 16 bytes into its line */
		CHECK_INT(rc, n >= (size_t)(strstr(edge_metrics, "cdn_edge_bytes 42") -
		    edge_metrics) + 16 ? 0 : -ENOENT);
		free(t);
	}
	return 0;
}

int
main(void)
{
	RUN(t_cookie_table);
	RUN(t_cookie_null_args);
	RUN(t_cookie_exact_heap);
	RUN(t_prom_table);
	RUN(t_prom_null_text);
	RUN(t_prom_long_line);
	RUN(t_prom_every_cut);
	return check_done();
}
