/*
 * test_http_range: the Range header parser (common/http_range.c, RFC 9110
 * 14.1.1-14.1.2) and the request path splitter (common/http_path.c).
 *
 * Both are tables of raw header / path strings with the expected verdict
 * and, when accepted, the exact result.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "http_etag.h"
#include "http_path.h"
#include "http_range.h"

#define NONE HTTP_RANGE_NONE
#define OK HTTP_RANGE_OK
#define UNSAT HTTP_RANGE_UNSATISFIABLE
#define U64MAX UINT64_MAX

static const struct range_case {
	const char *hdr;
	uint64_t size;
	int want;
	uint64_t first, last;
} range_cases[] = {
	/* 14.1.2 examples on a 10000-byte representation */
	{ "bytes=0-499", 10000, OK, 0, 499 },
	{ "bytes=500-999", 10000, OK, 500, 999 },
	{ "bytes=-500", 10000, OK, 9500, 9999 },
	{ "bytes=9500-", 10000, OK, 9500, 9999 },
	{ "bytes=0-0", 10000, OK, 0, 0 },
	{ "bytes=-1", 10000, OK, 9999, 9999 },
	{ "bytes=0-", 10000, OK, 0, 9999 },
	/* unit is case-insensitive; OWS around and empty list elements */
	{ "BYTES=1-2", 100, OK, 1, 2 },
	{ "Bytes=1-2", 100, OK, 1, 2 },
	{ "bytes= 1-2 ", 100, OK, 1, 2 },
	{ "  bytes=1-2\t", 100, OK, 1, 2 },
	{ "bytes=1-2,", 100, OK, 1, 2 },
	{ "bytes=, ,1-2 , ", 100, OK, 1, 2 },
	/* clamping: last-pos past the end; suffix longer than the body */
	{ "bytes=0-100", 100, OK, 0, 99 },
	{ "bytes=50-9999999999999999999", 100, OK, 50, 99 },
	{ "bytes=99-99", 100, OK, 99, 99 },
	{ "bytes=-100", 100, OK, 0, 99 },
	{ "bytes=-101", 100, OK, 0, 99 },
	{ "bytes=-9999999999999999999", 100, OK, 0, 99 },
	{ "bytes=0000000000000000001-2", 100, OK, 1, 2 },
	{ "bytes=0-", U64MAX, OK, 0, U64MAX - 1 },
	{ "bytes=9999999999999999999-", U64MAX, OK, 9999999999999999999ULL,
	    U64MAX - 1 },
	{ "bytes=-1", 1, OK, 0, 0 },
	/* unsatisfiable: first-pos at or past the end, -0, empty body */
	{ "bytes=100-", 100, UNSAT, 0, 0 },
	{ "bytes=100-200", 100, UNSAT, 0, 0 },
	{ "bytes=9999999999999999999-", 100, UNSAT, 0, 0 },
	{ "bytes=-0", 100, UNSAT, 0, 0 },
	{ "bytes=-0000", 100, UNSAT, 0, 0 },
	{ "bytes=0-0", 0, UNSAT, 0, 0 },
	{ "bytes=0-", 0, UNSAT, 0, 0 },
	{ "bytes=-5", 0, UNSAT, 0, 0 },
	/* ignored: no header, other unit, several ranges, bad syntax */
	{ NULL, 100, NONE, 0, 0 },
	{ "", 100, NONE, 0, 0 },
	{ "", 0, NONE, 0, 0 },
	{ "bytes=", 100, NONE, 0, 0 },
	{ "bytes=,", 100, NONE, 0, 0 },
	{ "bytes", 100, NONE, 0, 0 },
	{ "byte=0-1", 100, NONE, 0, 0 },
	{ "bytesx=0-1", 100, NONE, 0, 0 },
	{ "bytes =0-1", 100, NONE, 0, 0 },
	{ "bytes= =0-1", 100, NONE, 0, 0 },
	{ "items=0-1", 100, NONE, 0, 0 },
	{ "bytes=0-1,2-3", 100, NONE, 0, 0 },
	{ "bytes=0-1, -5", 100, NONE, 0, 0 },
	{ "bytes=0-1,0-1", 100, NONE, 0, 0 },
	{ "bytes=0-1,x", 100, NONE, 0, 0 },
	{ "bytes=200-300,0-1", 100, NONE, 0, 0 },
	{ "bytes=5-4", 100, NONE, 0, 0 },
	{ "bytes=500-400", 100, NONE, 0, 0 },
	{ "bytes=-", 100, NONE, 0, 0 },
	{ "bytes=1", 100, NONE, 0, 0 },
	{ "bytes=1-2-3", 100, NONE, 0, 0 },
	{ "bytes=1 -2", 100, NONE, 0, 0 },
	{ "bytes=1- 2", 100, NONE, 0, 0 },
	{ "bytes=+1-2", 100, NONE, 0, 0 },
	{ "bytes=1-+2", 100, NONE, 0, 0 },
	{ "bytes=0x1-2", 100, NONE, 0, 0 },
	{ "bytes=1-2;", 100, NONE, 0, 0 },
	{ "bytes=a-b", 100, NONE, 0, 0 },
	{ "bytes=--1", 100, NONE, 0, 0 },
	{ "bytes=1-2 3", 100, NONE, 0, 0 },
	/* more than 19 digits: refused before any overflow */
	{ "bytes=00000000000000000001-2", 100, NONE, 0, 0 },
	{ "bytes=0-18446744073709551615", 100, NONE, 0, 0 },
	{ "bytes=-18446744073709551616", 100, NONE, 0, 0 },
	{ "bytes=99999999999999999999-", 100, NONE, 0, 0 },
	{ "bytes=5-99999999999999999999999999999999999999", 100, NONE, 0, 0 },
};

static int
t_range(void)
{
	size_t i;
	int failed = 0;

	for (i = 0; i < sizeof(range_cases) / sizeof(range_cases[0]); i++) {
		const struct range_case *t = &range_cases[i];
		struct http_range r = { 12345, 67890 };
		int rc = http_range_parse(t->hdr, t->size, &r);

		if (rc != t->want || (rc == OK && (r.first != t->first ||
		    r.last != t->last)) ||
		    (rc != OK && (r.first != 12345 || r.last != 67890))) {
			fprintf(stderr, "  \"%s\" size %" PRIu64 ": got %d "
			    "%" PRIu64 "-%" PRIu64 ", want %d %" PRIu64 "-%"
			    PRIu64 "\n", t->hdr ? t->hdr : "(null)", t->size,
			    rc, r.first, r.last, t->want, t->first, t->last);
			failed = 1;
		}
	}
	return failed;
}

/* Every OK result lies inside the representation, for many sizes. */
static int
t_range_bounds(void)
{
	static const char *const hdrs[] = {
		"bytes=0-", "bytes=0-0", "bytes=1-", "bytes=-1", "bytes=-2",
		"bytes=3-7", "bytes=7-3", "bytes=-9999999999999999999",
		"bytes=9999999999999999999-9999999999999999999",
	};
	static const uint64_t sizes[] = { 0, 1, 2, 3, 4, 7, 8, 9, U64MAX };
	size_t i, j;
	int n_ok = 0;

	for (i = 0; i < sizeof(hdrs) / sizeof(hdrs[0]); i++) {
		for (j = 0; j < sizeof(sizes) / sizeof(sizes[0]); j++) {
			struct http_range r;

			if (http_range_parse(hdrs[i], sizes[j], &r) != OK)
				continue;
			n_ok++;
			if (!(r.first <= r.last && r.last < sizes[j])) {
				fprintf(stderr, "  \"%s\" size %" PRIu64
				    ": %" PRIu64 "-%" PRIu64 " out of bounds\n",
				    hdrs[i], sizes[j], r.first, r.last);
				return 1;
			}
		}
	}
	CHECK(n_ok > 30);
	return 0;
}

static const struct path_case {
	const char *url;
	int rc;
	size_t n;
	const char *parts[8];
} path_cases[] = {
	{ "/hls/cam1/index.m3u8", 0, 3, { "hls", "cam1", "index.m3u8" } },
	{ "/healthz", 0, 1, { "healthz" } },
	{ "/", 0, 0, { NULL } },
	{ "/hls/cam1/", 0, 2, { "hls", "cam1" } },
	{ "/a_b-c~d.e/Z9", 0, 2, { "a_b-c~d.e", "Z9" } },
	{ "/a..b/x.", 0, 2, { "a..b", "x." } },
	{ "/1/2/3/4/5/6/7/8", 0, 8, { "1", "2", "3", "4", "5", "6", "7", "8" }},
	{ "/1/2/3/4/5/6/7/8/", 0, 8, { "1", "2", "3", "4", "5", "6", "7", "8" }
	},
	{ NULL, -EINVAL, 0, { NULL } },
	{ "", -EINVAL, 0, { NULL } },
	{ "hls", -EINVAL, 0, { NULL } },
	{ "hls/x", -EINVAL, 0, { NULL } },
	{ "/../etc/passwd", -EINVAL, 0, { NULL } },
	{ "/hls/../x", -EINVAL, 0, { NULL } },
	{ "/hls/./x", -EINVAL, 0, { NULL } },
	{ "/hls/.", -EINVAL, 0, { NULL } },
	{ "/hls/..", -EINVAL, 0, { NULL } },
	{ "/a//b", -EINVAL, 0, { NULL } },
	{ "//", -EINVAL, 0, { NULL } },
	{ "//a", -EINVAL, 0, { NULL } },
	{ "/a//", -EINVAL, 0, { NULL } },
	{ "/.hidden", -EINVAL, 0, { NULL } },
	{ "/hls/.x", -EINVAL, 0, { NULL } },
	{ "/a%2e%2e", -EINVAL, 0, { NULL } },
	{ "/%2e%2e/x", -EINVAL, 0, { NULL } },
	{ "/a b", -EINVAL, 0, { NULL } },
	{ "/a\\b", -EINVAL, 0, { NULL } },
	{ "/a?b", -EINVAL, 0, { NULL } },
	{ "/a:b", -EINVAL, 0, { NULL } },
	{ "/a\tb", -EINVAL, 0, { NULL } },
	{ "/a\nb", -EINVAL, 0, { NULL } },
	{ "/a\rb", -EINVAL, 0, { NULL } },
	{ "/a\x01", -EINVAL, 0, { NULL } },
	{ "/a\x7f", -EINVAL, 0, { NULL } },
	{ "/caf\xc3\xa9", -EINVAL, 0, { NULL } },
	{ "/\xff", -EINVAL, 0, { NULL } },
	{ "/1/2/3/4/5/6/7/8/9", -EINVAL, 0, { NULL } },
};

static int
t_path(void)
{
	size_t i, j;
	int failed = 0;

	for (i = 0; i < sizeof(path_cases) / sizeof(path_cases[0]); i++) {
		const struct path_case *t = &path_cases[i];
		struct http_path p;
		int rc, bad = 0;

		p.n = 99;
		rc = http_path_split(t->url, &p);
		if (rc != t->rc || p.n != t->n)
			bad = 1;
		for (j = 0; !bad && rc == 0 && j < t->n; j++)
			bad = strcmp(p.part[j], t->parts[j]) != 0;
		if (bad) {
			fprintf(stderr, "  \"%s\": got %d n=%zu, want %d "
			    "n=%zu\n",
			    t->url ? t->url : "(null)", rc, p.n, t->rc, t->n);
			failed = 1;
		}
	}
	return failed;
}

/* Length limits, built at run time: at the limit passes, one more fails. */
static int
t_path_limits(void)
{
	char url[HTTP_PATH_MAX + 16];
	struct http_path p;
	size_t i;

	/* a component of HTTP_PART_MAX bytes, then one longer */
	url[0] = '/';
	memset(url + 1, 'a', HTTP_PART_MAX);
	url[HTTP_PART_MAX + 1] = '\0';
	CHECK_INT(http_path_split(url, &p), 0);
	CHECK_INT(p.n, 1);
	CHECK_INT(strlen(p.part[0]), HTTP_PART_MAX);
	CHECK(memcmp(p.part[0], url + 1, HTTP_PART_MAX) == 0);
	url[HTTP_PART_MAX + 1] = 'a';
	url[HTTP_PART_MAX + 2] = '\0';
	CHECK_INT(http_path_split(url, &p), -EINVAL);
	CHECK_INT(p.n, 0);

	/* a path of exactly HTTP_PATH_MAX bytes: 8 parts of 127 + '/' */
	for (i = 0; i < 8; i++) {
		url[i * 128] = '/';
		memset(url + i * 128 + 1, 'a' + (int)i, 127);
	}
	url[HTTP_PATH_MAX] = '\0';
	CHECK_INT(strlen(url), HTTP_PATH_MAX);
	CHECK_INT(http_path_split(url, &p), 0);
	CHECK_INT(p.n, 8);
	CHECK_INT(p.part[7][0], 'h');
	CHECK_INT(strlen(p.part[7]), 127);
	/* one byte more (a trailing '/', otherwise harmless) is too long */
	url[HTTP_PATH_MAX] = '/';
	url[HTTP_PATH_MAX + 1] = '\0';
	CHECK_INT(http_path_split(url, &p), -EINVAL);
	CHECK_INT(p.n, 0);
	url[HTTP_PATH_MAX - 1] = '/';  /* ...but "x/" within the limit is ok */
	url[HTTP_PATH_MAX] = '\0';
	CHECK_INT(http_path_split(url, &p), 0);
	CHECK_INT(p.n, 8);
	CHECK_INT(strlen(p.part[7]), 126);
	return 0;
}

static int
t_component(void)
{
	char big[HTTP_PART_MAX + 2];

	CHECK(http_path_component_ok("index.m3u8", 10));
	CHECK(http_path_component_ok("a", 1));
	CHECK(http_path_component_ok("a..", 3));
	CHECK(http_path_component_ok("seg/x", 3));   /* only len bytes */
	CHECK(!http_path_component_ok("seg/x", 5));
	CHECK(!http_path_component_ok("", 0));
	CHECK(!http_path_component_ok(NULL, 0));
	CHECK(!http_path_component_ok(".", 1));
	CHECK(!http_path_component_ok("..", 2));
	CHECK(!http_path_component_ok(".x", 2));
	CHECK(!http_path_component_ok("a\0b", 3));
	CHECK(!http_path_component_ok("%2e", 3));
	memset(big, 'x', sizeof(big));
	CHECK(http_path_component_ok(big, HTTP_PART_MAX));
	CHECK(!http_path_component_ok(big, HTTP_PART_MAX + 1));
	return 0;
}

static const struct etag_case {
	const char *inm, *etag;
	bool want;
} etag_cases[] = {
	{ NULL, "\"a\"", false },
	{ "\"a\"", "\"a\"", true },
	{ "W/\"a\"", "\"a\"", true },            /* RFC 9110 13.1.2: weak comparison */
	{ "\"x\", \"a\"", "\"a\"", true },
	{ "\"x\",\"a\"", "\"a\"", true },
	{ "*", "\"a\"", true },
	{ "\"ab\"", "\"a\"", false },
	{ "\"a\"b", "\"a\"", false },
	{ "\"x\"", "\"a\"", false },
	{ "", "\"a\"", false },
	{ "\"a\"", "", false },
	{ " \t\"a\"\t", "\"a\"", true },
};

static int
t_etag(void)
{
	for (size_t i = 0; i < sizeof(etag_cases) / sizeof(etag_cases[0]); i++) {
		const struct etag_case *c = &etag_cases[i];
		bool got = http_etag_match(c->inm, c->etag);
		if (got != c->want) {
			fprintf(stderr, "  etag case %zu (%s vs %s): got %d, want %d\n", i,
			    c->inm ? c->inm : "(null)", c->etag, got, c->want);
			return 1;
		}
	}
	return 0;
}

int
main(void)
{
	RUN(t_etag);
	RUN(t_range);
	RUN(t_range_bounds);
	RUN(t_path);
	RUN(t_path_limits);
	RUN(t_component);
	return check_done();
}
