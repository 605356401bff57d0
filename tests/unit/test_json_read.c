/*
 * test_json_read: the shared JSON reader (common/json_read.c, RFC 8259).
 *
 * Tables of raw documents with the verdict and, when accepted, the whole
 * tree written in a compact notation by dump() below (ints bare, other
 * numbers "~%.17g", string bytes outside printable ASCII as \xHH), so a
 * check sees every node, not just the one a caller would look at. Every
 * input is copied into a heap block of exactly its size, so an ASan build
 * catches any read past the end; every accepted document that is not a
 * bare number is also cut at each shorter length, which must be -EPROTO.
 *
 * Behaviour pinned here that RFC 8259 leaves open: duplicate names are all
 * kept and jv_get returns the first; \u0000 and unpaired surrogate escapes
 * are refused (U+FFFD with JSON_READ_LAX); raw bytes must be UTF-8 (copied
 * unchecked with JSON_READ_LAX); numbers past the double range are +-inf.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "json_read.h"

/* an input literal with its exact length, NUL bytes included */
#define B(s) s, sizeof(s) - 1
#define LAX JSON_READ_LAX

struct case_ {
	const char *in;
	size_t len;
	unsigned flags;
	int want;
	const char *tree; /* dump() of the result when want == 0 */
};

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* --- the tree as text ------------------------------------------------ */

struct out {
	char s[8192];
	size_t len;
};

static void
put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len >= sizeof(o->s))
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->s + o->len, sizeof(o->s) - o->len, fmt, ap);
	va_end(ap);
	o->len += n > 0 ? (size_t)n : 0;
	if (o->len >= sizeof(o->s))
		o->len = sizeof(o->s) - 1;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, "\"");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			put(o, "\\x%02x", *p);
		else
			put(o, "%c", *p);
	put(o, "\"");
}

static void
dump(struct out *o, const struct jv *v)
{
	switch (v->t) {
	case JV_NULL:
		put(o, "null");
		break;
	case JV_BOOL:
		put(o, v->b ? "true" : "false");
		break;
	case JV_NUM:
		if (v->is_int)
			put(o, "%" PRId64, v->i);
		else
			put(o, "~%.17g", v->num);
		break;
	case JV_STR:
		put_str(o, v->s);
		break;
	case JV_ARR:
	case JV_OBJ:
		put(o, v->t == JV_ARR ? "[" : "{");
		for (size_t i = 0; i < v->n; i++) {
			if (i)
				put(o, ",");
			if (v->t == JV_OBJ) {
				put_str(o, v->kid[i].key);
				put(o, ":");
			}
			dump(o, &v->kid[i]);
		}
		put(o, v->t == JV_ARR ? "]" : "}");
		break;
	}
}

static bool
is_empty(const struct jv *v)
{
	return v->t == JV_NULL && !v->b && !v->is_int && v->i == 0 &&
	    v->num == 0 && v->s == NULL && v->key == NULL && v->n == 0 &&
	    v->kid == NULL;
}

/* Parse len bytes from an exact-size heap copy, so over-reads are caught. */
static int
parse_copy(struct jv *doc, const char *in, size_t len,
    const struct json_read_limits *lim)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	if (copy == NULL)
		return -ENOMEM;
	memcpy(copy, in, len);
	rc = json_read_parse(doc, len ? copy : NULL, len, lim);
	/* the tree owns its memory: scribble over the input */
	memset(copy, 'Z', len);
	free(copy);
	return rc;
}

static void
show(const char *in, size_t len)
{
	fprintf(stderr, "    input: ");
	for (size_t i = 0; i < len && i < 200; i++)
		if ((unsigned char)in[i] < 0x20 || (unsigned char)in[i] > 0x7e)
			fprintf(stderr, "\\x%02x", (unsigned char)in[i]);
		else
			fputc(in[i], stderr);
	fprintf(stderr, "%s\n", len > 200 ? "..." : "");
}

/* Proper prefixes of a document that is not a bare number never parse. */
static int
check_prefixes(const struct case_ *c, const struct json_read_limits *lim)
{
	size_t end = c->len, start = 0;
	struct jv doc;
	int rc;

	while (end > 0 && strchr(" \t\r\n", c->in[end - 1]) != NULL)
		end--;
	while (start < end && strchr(" \t\r\n", c->in[start]) != NULL)
		start++;
	if (start < end && strchr("-0123456789", c->in[start]) != NULL)
		return 0;
	for (size_t n = 0; n < end; n++) {
		rc = parse_copy(&doc, c->in, n, lim);
		if (rc != -EPROTO || !is_empty(&doc)) {
			fprintf(stderr,
			    "  prefix of %zu bytes: got %d, want %d\n", n, rc,
			    -EPROTO);
			show(c->in, n);
			jv_fini(&doc);
			return 1;
		}
	}
	return 0;
}

/* Run a table; report every failing case, fail if any did. */
static int
run_cases(const struct case_ *cases, size_t n_cases)
{
	int failed = 0;

	for (size_t i = 0; i < n_cases; i++) {
		const struct case_ *c = &cases[i];
		struct json_read_limits lim = { .flags = c->flags };
		struct out o = { .len = 0 };
		struct jv doc;
		int rc = parse_copy(&doc, c->in, c->len, &lim);

		if (rc == 0)
			dump(&o, &doc);
		if (rc != c->want || (rc == 0 && strcmp(o.s, c->tree) != 0) ||
		    (rc != 0 && !is_empty(&doc))) {
			fprintf(stderr,
			    "  case %zu%s: got %d %s, want %d %s\n", i,
			    c->flags & LAX ? " (lax)" : "", rc,
			    rc == 0 ? o.s
				    : (is_empty(&doc) ? "" : "(not empty)"),
			    c->want, c->want == 0 ? c->tree : "");
			show(c->in, c->len);
			failed = 1;
		}
		jv_fini(&doc);
		jv_fini(&doc); /* idempotent */
		if (rc == 0 && c->want == 0 && check_prefixes(c, &lim) != 0) {
			show(c->in, c->len);
			failed = 1;
		}
	}
	return failed;
}

/* --- tables ---------------------------------------------------------- */

static const struct case_ types_cases[] = {
	{ B("null"), 0, 0, "null" },
	{ B("true"), 0, 0, "true" },
	{ B("false"), 0, 0, "false" },
	{ B("0"), 0, 0, "0" },
	{ B("42"), 0, 0, "42" },
	{ B("\"x\""), 0, 0, "\"x\"" },
	{ B("[]"), 0, 0, "[]" },
	{ B("{}"), 0, 0, "{}" },
	{ B(" \t\r\n[ 1 , 2 ]\n "), 0, 0, "[1,2]" },
	{ B("{ \"a\" : 1 , \"b\" :\"x\",\"c\":null,\"d\":true,\"e\":[false]}"),
	    0, 0, "{\"a\":1,\"b\":\"x\",\"c\":null,\"d\":true,\"e\":[false]}" },
	{ B("[1,[2,[3,{}]],{\"a\":[]},[[]]]"), 0, 0,
	    "[1,[2,[3,{}]],{\"a\":[]},[[]]]" },
	{ B("{\"\":0}"), 0, 0, "{\"\":0}" },
	/* RFC 8259 section 4: names SHOULD be unique; we keep all */
	{ B("{\"a\":1,\"b\":2,\"a\":3}"), 0, 0, "{\"a\":1,\"b\":2,\"a\":3}" },
	/* what the origin's admin API answers (origin/admin_api.c) */
	{ B("{\"customers\":[{\"id\":1,\"name\":\"acme\",\"active_keys\":2,"
	    "\"created_at\":1700000000,\"revoked_at\":null}]}"),
	    0, 0,
	    "{\"customers\":[{\"id\":1,\"name\":\"acme\",\"active_keys\":2,"
	    "\"created_at\":1700000000,\"revoked_at\":null}]}" },
	{ B("{\"error\":\"no such customer\"}"), 0, 0,
	    "{\"error\":\"no such customer\"}" },
	{ B("{\"streams\":[]}\n"), 0, 0, "{\"streams\":[]}" },
	/* literals are case-sensitive and whole */
	{ B("True"), 0, -EPROTO, NULL },
	{ B("nul"), 0, -EPROTO, NULL },
	{ B("nulll"), 0, -EPROTO, NULL },
	{ B("falsey"), 0, -EPROTO, NULL },
	{ B("[tru]"), 0, -EPROTO, NULL },
	{ B("trux"), 0, -EPROTO, NULL },
	{ B("falsE"), 0, -EPROTO, NULL },
	{ B("[nulL]"), 0, -EPROTO, NULL },
	{ B("undefined"), 0, -EPROTO, NULL },
};

static const struct case_ number_cases[] = {
	{ B("-0"), 0, 0, "0" },
	{ B("123"), 0, 0, "123" },
	{ B("-123"), 0, 0, "-123" },
	/* int64_t limits: exact inside, doubles outside */
	{ B("9223372036854775807"), 0, 0, "9223372036854775807" },
	{ B("-9223372036854775808"), 0, 0, "-9223372036854775808" },
	{ B("9223372036854775808"), 0, 0, "~9.2233720368547758e+18" },
	{ B("-9223372036854775809"), 0, 0, "~-9.2233720368547758e+18" },
	{ B("18446744073709551616"), 0, 0, "~1.8446744073709552e+19" },
	/* a fraction or an exponent makes a double, even when integral */
	{ B("1.5"), 0, 0, "~1.5" },
	{ B("-0.25"), 0, 0, "~-0.25" },
	{ B("1.0"), 0, 0, "~1" },
	{ B("0.0"), 0, 0, "~0" },
	{ B("1e2"), 0, 0, "~100" },
	{ B("1E+2"), 0, 0, "~100" },
	{ B("1e-2"), 0, 0, "~0.01" },
	{ B("-1.5e-3"), 0, 0, "~-0.0015" },
	{ B("0e0"), 0, 0, "~0" },
	{ B("10E007"), 0, 0, "~100000000" },
	/* past the double range: the parse succeeds (see json_read.h) */
	{ B("1e400"), 0, 0, "~inf" },
	{ B("-1e400"), 0, 0, "~-inf" },
	{ B("1e-400"), 0, 0, "~0" },
	{ B("[1,-2,3.5]"), 0, 0, "[1,-2,~3.5]" },
	/* RFC 8259 section 6 grammar */
	{ B("01"), 0, -EPROTO, NULL },
	{ B("-01"), 0, -EPROTO, NULL },
	{ B("00"), 0, -EPROTO, NULL },
	{ B("[01]"), 0, -EPROTO, NULL },
	{ B("+1"), 0, -EPROTO, NULL },
	{ B(".5"), 0, -EPROTO, NULL },
	{ B("-.5"), 0, -EPROTO, NULL },
	{ B("5."), 0, -EPROTO, NULL },
	{ B("1.e5"), 0, -EPROTO, NULL },
	{ B("1e"), 0, -EPROTO, NULL },
	{ B("1e+"), 0, -EPROTO, NULL },
	{ B("1E-"), 0, -EPROTO, NULL },
	{ B("1e1.5"), 0, -EPROTO, NULL },
	{ B("1.5.5"), 0, -EPROTO, NULL },
	{ B("-"), 0, -EPROTO, NULL },
	{ B("--1"), 0, -EPROTO, NULL },
	{ B("[-]"), 0, -EPROTO, NULL },
	{ B("NaN"), 0, -EPROTO, NULL },
	{ B("-NaN"), 0, -EPROTO, NULL },
	{ B("Infinity"), 0, -EPROTO, NULL },
	{ B("-Infinity"), 0, -EPROTO, NULL },
	{ B("inf"), 0, -EPROTO, NULL },
	{ B("0x10"), 0, -EPROTO, NULL },
	{ B("1_000"), 0, -EPROTO, NULL },
	{ B("1,5"), 0, -EPROTO, NULL },
	{ B("\xd9\xa1"), 0, -EPROTO, NULL }, /* ARABIC-INDIC DIGIT ONE */
};

static const struct case_ string_cases[] = {
	{ B("\"\""), 0, 0, "\"\"" },
	{ B("\"abc def\""), 0, 0, "\"abc def\"" },
	{ B("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""), 0, 0,
	    "\"\\x22\\x5c/\\x08\\x0c\\x0a\\x0d\\x09\"" },
	{ B("\"\\u0041\\u00e9\\u20AC\""), 0, 0,
	    "\"A\\xc3\\xa9\\xe2\\x82\\xac\"" },
	{ B("\"\\u0001\\u001F\\u007f\""), 0, 0, "\"\\x01\\x1f\\x7f\"" },
	{ B("\"\\u0080\\u07FF\\u0800\\uFFFF\""), 0, 0,
	    "\"\\xc2\\x80\\xdf\\xbf\\xe0\\xa0\\x80\\xef\\xbf\\xbf\"" },
	{ B("\"\x7f\""), 0, 0, "\"\\x7f\"" }, /* DEL need not be escaped */
	/* raw UTF-8 as is: e-acute, euro, a 4-byte emoji, U+10FFFF */
	{ B("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\""), 0,
	    0,
	    "\"\\xc3\\xa9\\xe2\\x82\\xac\\xf0\\x9f\\x98\\x80\\xf4\\x8f\\xbf"
	    "\\xbf\"" },
	{ B("{\"n\\u00e4me\":\"\\n\"}"), 0, 0,
	    "{\"n\\xc3\\xa4me\":\"\\x0a\"}" },
	/* escapes RFC 8259 section 7 does not list */
	{ B("\"\\x41\""), 0, -EPROTO, NULL },
	{ B("\"\\a\""), 0, -EPROTO, NULL },
	{ B("\"\\'\""), 0, -EPROTO, NULL },
	{ B("\"\\U0041\""), 0, -EPROTO, NULL },
	{ B("\"\\u12\""), 0, -EPROTO, NULL },
	{ B("\"\\u12G4\""), 0, -EPROTO, NULL },
	{ B("\"\\u 123\""), 0, -EPROTO, NULL },
	{ B("\"\\\""), 0, -EPROTO, NULL },
	{ B("\"\\"), LAX, -EPROTO, NULL },
	{ B("\"\\q\""), LAX, -EPROTO, NULL },
	/* control characters must be escaped, NUL included */
	{ B("\"a\nb\""), 0, -EPROTO, NULL },
	{ B("\"\t\""), 0, -EPROTO, NULL },
	{ B("\"\x01\""), 0, -EPROTO, NULL },
	{ B("\"\x1f\""), LAX, -EPROTO, NULL },
	{ B("\"a\0b\""), 0, -EPROTO, NULL },
	{ B("\"a\0b\""), LAX, -EPROTO, NULL },
	{ B("{\"a\0\":1}"), 0, -EPROTO, NULL },
	/* strings are only double-quoted */
	{ B("'a'"), 0, -EPROTO, NULL },
	{ B("[a]"), 0, -EPROTO, NULL },
};

/* \u escapes beyond the BMP, and what is not a scalar value */
static const struct case_ surrogate_cases[] = {
	{ B("\"\\ud83d\\ude00\""), 0, 0, "\"\\xf0\\x9f\\x98\\x80\"" },
	{ B("\"\\uD800\\uDC00\""), 0, 0, "\"\\xf0\\x90\\x80\\x80\"" },
	{ B("\"\\uDBFF\\uDFFF\""), 0, 0, "\"\\xf4\\x8f\\xbf\\xbf\"" },
	{ B("\"a\\ud83d\\ude00b\""), 0, 0, "\"a\\xf0\\x9f\\x98\\x80b\"" },
	{ B("{\"\\ud83d\\ude00\":1}"), 0, 0, "{\"\\xf0\\x9f\\x98\\x80\":1}" },
	/* refused by default: lone, reversed, or followed by other text */
	{ B("\"\\ud800\""), 0, -EPROTO, NULL },
	{ B("\"\\udbff\""), 0, -EPROTO, NULL },
	{ B("\"\\udc00\""), 0, -EPROTO, NULL },
	{ B("\"\\udfff\""), 0, -EPROTO, NULL },
	{ B("\"\\udc00\\ud800\""), 0, -EPROTO, NULL },
	{ B("\"\\ud800\\ud800\""), 0, -EPROTO, NULL },
	{ B("\"\\ud800\\u0041\""), 0, -EPROTO, NULL },
	{ B("\"\\ud800x\""), 0, -EPROTO, NULL },
	{ B("\"\\ud800\\n\""), 0, -EPROTO, NULL },
	{ B("{\"\\ud800\":1}"), 0, -EPROTO, NULL },
	/* \u0000: a C string cannot hold it */
	{ B("\"\\u0000\""), 0, -EPROTO, NULL },
	{ B("\"a\\u0000b\""), 0, -EPROTO, NULL },
	{ B("{\"\\u0000\":1}"), 0, -EPROTO, NULL },
	/* JSON_READ_LAX: U+FFFD, and what followed is read normally */
	{ B("\"\\ud800\""), LAX, 0, "\"\\xef\\xbf\\xbd\"" },
	{ B("\"\\udc00\""), LAX, 0, "\"\\xef\\xbf\\xbd\"" },
	{ B("\"\\ud800\\u0041\""), LAX, 0, "\"\\xef\\xbf\\xbdA\"" },
	{ B("\"\\ud800x\""), LAX, 0, "\"\\xef\\xbf\\xbdx\"" },
	{ B("\"\\ud800\\ud800\\udc00\""), LAX, 0,
	    "\"\\xef\\xbf\\xbd\\xf0\\x90\\x80\\x80\"" },
	{ B("\"\\udc00\\ud800\""), LAX, 0,
	    "\"\\xef\\xbf\\xbd\\xef\\xbf\\xbd\"" },
	{ B("\"a\\u0000b\""), LAX, 0, "\"a\\xef\\xbf\\xbdb\"" },
	{ B("{\"\\u0000\":1}"), LAX, 0, "{\"\\xef\\xbf\\xbd\":1}" },
	{ B("\"\\ud83d\\ude00\""), LAX, 0, "\"\\xf0\\x9f\\x98\\x80\"" },
	/* a lone high surrogate, then a bad escape: still refused */
	{ B("\"\\ud800\\uZZZZ\""), LAX, -EPROTO, NULL },
	{ B("\"\\ud800\\u12\""), LAX, -EPROTO, NULL },
};

/* raw bytes must be UTF-8 (RFC 8259 section 8.1, RFC 3629 section 4) */
static const struct case_ utf8_cases[] = {
	{ B("\"\xc0\x80\""), 0, -EPROTO, NULL },         /* overlong NUL */
	{ B("\"\xc1\xbf\""), 0, -EPROTO, NULL },         /* overlong */
	{ B("\"\xe0\x80\xaf\""), 0, -EPROTO, NULL },     /* overlong '/' */
	{ B("\"\xf0\x8f\xbf\xbf\""), 0, -EPROTO, NULL }, /* overlong */
	{ B("\"\xed\xa0\x80\""), 0, -EPROTO, NULL },     /* U+D800 */
	{ B("\"\xed\xbf\xbf\""), 0, -EPROTO, NULL },     /* U+DFFF */
	{ B("\"\xf4\x90\x80\x80\""), 0, -EPROTO, NULL }, /* U+110000 */
	{ B("\"\xf5\x80\x80\x80\""), 0, -EPROTO, NULL },
	{ B("\"\xff\""), 0, -EPROTO, NULL },
	{ B("\"\xfe\""), 0, -EPROTO, NULL },
	{ B("\"\x80\""), 0, -EPROTO, NULL }, /* lone continuation */
	{ B("\"\xbf\""), 0, -EPROTO, NULL },
	{ B("\"\xc3\""), 0, -EPROTO, NULL },     /* cut by the quote */
	{ B("\"\xe2\x82\""), 0, -EPROTO, NULL }, /* cut by the quote */
	{ B("\"\xe2\x28\xa1\""), 0, -EPROTO, NULL },
	{ B("\"\xf0\x9f\x98\x41\""), 0, -EPROTO, NULL },
	{ B("{\"\xff\":1}"), 0, -EPROTO, NULL },
	{ B("\"\xed\x9f\xbf\""), 0, 0, "\"\\xed\\x9f\\xbf\"" }, /* U+D7FF */
	{ B("\"\xee\x80\x80\""), 0, 0, "\"\\xee\\x80\\x80\"" }, /* U+E000 */
	{ B("\"\xf0\x90\x80\x80\""), 0, 0, "\"\\xf0\\x90\\x80\\x80\"" },
	/* JSON_READ_LAX: copied unchecked, as cdnctl always did */
	{ B("\"\xc0\x80\""), LAX, 0, "\"\\xc0\\x80\"" },
	{ B("\"\xff\xfe\""), LAX, 0, "\"\\xff\\xfe\"" },
	{ B("\"\xe2\x82\""), LAX, 0, "\"\\xe2\\x82\"" },
	{ B("{\"\xff\":1}"), LAX, 0, "{\"\\xff\":1}" },
	/* outside strings, UTF-8 is never JSON: NBSP is not whitespace */
	{ B("\xc2\xa0 1"), 0, -EPROTO, NULL },
	{ B("\xc2\xa0 1"), LAX, -EPROTO, NULL },
};

static const struct case_ structure_cases[] = {
	{ B("[1,]"), 0, -EPROTO, NULL },
	{ B("[,1]"), 0, -EPROTO, NULL },
	{ B("[,]"), 0, -EPROTO, NULL },
	{ B("[1,,2]"), 0, -EPROTO, NULL },
	{ B("[1 2]"), 0, -EPROTO, NULL },
	{ B("[1;2]"), 0, -EPROTO, NULL },
	{ B("{\"a\":1;\"b\":2}"), 0, -EPROTO, NULL },
	{ B("{,}"), 0, -EPROTO, NULL },
	{ B("{\"a\":1,}"), 0, -EPROTO, NULL },
	{ B("{\"a\":1 \"b\":2}"), 0, -EPROTO, NULL },
	{ B("{a:1}"), 0, -EPROTO, NULL },
	{ B("{'a':1}"), 0, -EPROTO, NULL },
	{ B("{1:2}"), 0, -EPROTO, NULL },
	{ B("{null:2}"), 0, -EPROTO, NULL },
	{ B("{\"a\" 1}"), 0, -EPROTO, NULL },
	{ B("{\"a\"::1}"), 0, -EPROTO, NULL },
	{ B("{\"a\"}"), 0, -EPROTO, NULL },
	{ B("{\"a\":}"), 0, -EPROTO, NULL },
	{ B("[\"a\":1]"), 0, -EPROTO, NULL },
	{ B("{\"a\",1}"), 0, -EPROTO, NULL },
	{ B("[}"), 0, -EPROTO, NULL },
	{ B("{]"), 0, -EPROTO, NULL },
	{ B("]"), 0, -EPROTO, NULL },
	{ B("}"), 0, -EPROTO, NULL },
	{ B(":"), 0, -EPROTO, NULL },
	{ B(","), 0, -EPROTO, NULL },
	/* no comments, no BOM (RFC 8259 section 8.1 lets us refuse it) */
	{ B("/* c */ 1"), 0, -EPROTO, NULL },
	{ B("[1,/*x*/2]"), 0, -EPROTO, NULL },
	{ B("# c\n1"), 0, -EPROTO, NULL },
	{ B("\xef\xbb\xbf{}"), 0, -EPROTO, NULL },
	{ B("\xef\xbb\xbf{}"), LAX, -EPROTO, NULL },
	/* whitespace is space, tab, LF and CR only */
	{ B("\f1"), 0, -EPROTO, NULL },
	{ B("[1,\v2]"), 0, -EPROTO, NULL },
	{ B("\r\n\t 1 \r\n\t"), 0, 0, "1" },
};

/* Cut documents: each must be -EPROTO (check_prefixes does all cuts). */
static const struct case_ truncated_cases[] = {
	{ B(""), 0, -EPROTO, NULL },
	{ B(" "), 0, -EPROTO, NULL },
	{ B("\n\r\t"), 0, -EPROTO, NULL },
	{ B("["), 0, -EPROTO, NULL },
	{ B("{"), 0, -EPROTO, NULL },
	{ B("[1"), 0, -EPROTO, NULL },
	{ B("[1,"), 0, -EPROTO, NULL },
	{ B("[[]"), 0, -EPROTO, NULL },
	{ B("{\"a\""), 0, -EPROTO, NULL },
	{ B("{\"a\":"), 0, -EPROTO, NULL },
	{ B("{\"a\":1"), 0, -EPROTO, NULL },
	{ B("{\"a\":1,"), 0, -EPROTO, NULL },
	{ B("{\"a"), 0, -EPROTO, NULL },
	{ B("\"abc"), 0, -EPROTO, NULL },
	{ B("\"\\"), 0, -EPROTO, NULL },
	{ B("\"\\u12"), 0, -EPROTO, NULL },
	{ B("\"\\ud83d\\ude0"), 0, -EPROTO, NULL },
	{ B("\"\\ud83d\\ude0"), LAX, -EPROTO, NULL },
	{ B("\"\xe2\x82"), 0, -EPROTO, NULL },
	{ B("tr"), 0, -EPROTO, NULL },
	{ B("fals"), 0, -EPROTO, NULL },
	{ B("-"), 0, -EPROTO, NULL },
	{ B("1."), 0, -EPROTO, NULL },
	{ B("1e"), 0, -EPROTO, NULL },
	{ B("1e-"), 0, -EPROTO, NULL },
	/* whole documents whose every cut check_prefixes also tries */
	{ B("{\"keys\":[{\"id\":7,\"hint\":\"a\\u00e9\\ud83d\\ude00\","
	    "\"ok\":true,\"v\":null,\"f\":-1.5e3}]}"),
	    0, 0,
	    "{\"keys\":[{\"id\":7,\"hint\":\"a\\xc3\\xa9\\xf0\\x9f\\x98\\x80\","
	    "\"ok\":true,\"v\":null,\"f\":~-1500}]}" },
	{ B("[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",false,[{}],\"\xc3\xa9\"]"), 0,
	    0,
	    "[\"\\x22\\x5c/\\x08\\x0c\\x0a\\x0d\\x09\",false,[{}],"
	    "\"\\xc3\\xa9\"]" },
};

static const struct case_ trailing_cases[] = {
	{ B("{} x"), 0, -EPROTO, NULL },
	{ B("1 2"), 0, -EPROTO, NULL },
	{ B("null null"), 0, -EPROTO, NULL },
	{ B("[] []"), 0, -EPROTO, NULL },
	{ B("[1]]"), 0, -EPROTO, NULL },
	{ B("{}}"), 0, -EPROTO, NULL },
	{ B("\"a\"\"b\""), 0, -EPROTO, NULL },
	{ B("1,"), 0, -EPROTO, NULL },
	{ B("truex"), 0, -EPROTO, NULL },
	{ B("{}\0"), 0, -EPROTO, NULL },
	{ B("1\0"), LAX, -EPROTO, NULL },
	{ B("[1] // c"), 0, -EPROTO, NULL },
	{ B("{\"a\":1}\n\n"), 0, 0, "{\"a\":1}" },
};

static int
t_types(void)
{
	return run_cases(types_cases, N_ELEMS(types_cases));
}

static int
t_numbers(void)
{
	return run_cases(number_cases, N_ELEMS(number_cases));
}

static int
t_strings(void)
{
	return run_cases(string_cases, N_ELEMS(string_cases));
}

static int
t_surrogates(void)
{
	return run_cases(surrogate_cases, N_ELEMS(surrogate_cases));
}

static int
t_utf8(void)
{
	return run_cases(utf8_cases, N_ELEMS(utf8_cases));
}

static int
t_structure(void)
{
	return run_cases(structure_cases, N_ELEMS(structure_cases));
}

static int
t_truncated(void)
{
	return run_cases(truncated_cases, N_ELEMS(truncated_cases));
}

static int
t_trailing(void)
{
	return run_cases(trailing_cases, N_ELEMS(trailing_cases));
}


/* --- lookups ----------------------------------------------------------- */

static int
t_lookup(void)
{
	static const char doc_text[] =
	    "{\"customers\":[{\"id\":1,\"name\":\"acme\",\"active_keys\":2,"
	    "\"created_at\":1700000000,\"revoked_at\":null},"
	    "{\"id\":2,\"name\":\"b\\u00e9ta\",\"active_keys\":0,"
	    "\"created_at\":1700000001,\"revoked_at\":1700000500}],"
	    "\"key\":{\"obs\":{\"server\":\"rtmp://o/live\"},\"ids\":[3]},"
	    "\"\":\"empty\",\"n\":1.5}";
	struct jv doc;
	const struct jv *a, *e, *obs;
	int64_t v = -7;

	CHECK_INT(json_read_parse(&doc, doc_text, strlen(doc_text), NULL), 0);
	CHECK_INT(doc.t, JV_OBJ);
	CHECK_INT(doc.n, 4);
	CHECK(doc.key == NULL);
	a = jv_get(&doc, "customers");
	CHECK(a != NULL);
	CHECK_INT(a->t, JV_ARR);
	CHECK_INT(a->n, 2);
	CHECK(a->kid[0].key == NULL); /* array elements have no name */
	e = &a->kid[1];
	CHECK_STR(jv_str(e, "name"), "b\xc3\xa9ta");
	CHECK(jv_int(e, "revoked_at", &v));
	CHECK_INT(v, 1700000500);
	/* null, a string, a double, a missing key: false, v untouched */
	v = -7;
	CHECK(!jv_int(&a->kid[0], "revoked_at", &v));
	CHECK(!jv_int(&a->kid[0], "name", &v));
	CHECK(!jv_int(&doc, "n", &v));
	CHECK(!jv_int(&doc, "nope", &v));
	CHECK_INT(v, -7);
	CHECK(jv_int(&a->kid[0], "active_keys", &v));
	CHECK_INT(v, 2);
	/* wrong types give NULL */
	CHECK(jv_str(&a->kid[0], "id") == NULL);
	CHECK(jv_str(&doc, "customers") == NULL);
	CHECK(jv_get(a, "id") == NULL);           /* an array */
	CHECK(jv_get(&a->kid[0].kid[0], "x") == NULL); /* a number */
	CHECK(jv_get(NULL, "x") == NULL);
	CHECK(jv_str(NULL, "x") == NULL);
	CHECK(!jv_int(NULL, "x", &v));
	/* nested objects, and a prefix of a name is not the name */
	obs = jv_get(jv_get(&doc, "key"), "obs");
	CHECK_STR(jv_str(obs, "server"), "rtmp://o/live");
	CHECK(jv_get(jv_get(&doc, "key"), "id") == NULL);
	CHECK(jv_get(jv_get(&doc, "key"), "idsx") == NULL);
	CHECK(jv_get(jv_get(&doc, "nope"), "obs") == NULL);
	CHECK_STR(jv_str(&doc, ""), "empty");
	CHECK_INT(jv_get(&doc, "n")->num * 2, 3);
	jv_fini(&doc);
	CHECK(is_empty(&doc));
	return 0;
}

/* RFC 8259 section 4 leaves duplicates open: all kept, the first wins. */
static int
t_duplicate_keys(void)
{
	static const char text[] =
	    "{\"a\":1,\"b\":\"x\",\"a\":\"two\",\"a\":3}";
	struct jv doc;
	int64_t v = 0;

	CHECK_INT(json_read_parse(&doc, text, strlen(text), NULL), 0);
	CHECK_INT(doc.n, 4);
	CHECK(jv_int(&doc, "a", &v));
	CHECK_INT(v, 1);
	CHECK(jv_get(&doc, "a") == &doc.kid[0]);
	CHECK(jv_str(&doc, "a") == NULL); /* the first is not a string */
	CHECK_STR(doc.kid[2].s, "two");
	CHECK_INT(doc.kid[3].i, 3);
	jv_fini(&doc);
	return 0;
}

static int
t_number_values(void)
{
	static const struct {
		const char *in;
		bool is_int;
		int64_t i;
		double num;
	} nums[] = {
		{ "0", true, 0, 0.0 },
		{ "-1", true, -1, -1.0 },
		/* 2^53 + 1: exact as an int, rounded to even as a double */
		{ "9007199254740993", true, 9007199254740993, 0x1p53 },
		{ "9223372036854775807", true, INT64_MAX, 0x1p63 },
		{ "-9223372036854775808", true, INT64_MIN, -0x1p63 },
		{ "9223372036854775808", false, 0, 0x1p63 },
		{ "0.1", false, 0, 0.1 },
		{ "2.5E-1", false, 0, 0.25 },
		{ "123456789012345678901234567890", false, 0,
		    1.2345678901234568e29 },
	};
	struct jv doc;

	for (size_t k = 0; k < N_ELEMS(nums); k++) {
		CHECK_INT(json_read_parse(&doc, nums[k].in, strlen(nums[k].in),
			      NULL), 0);
		CHECK_INT(doc.t, JV_NUM);
		CHECK_INT(doc.is_int, nums[k].is_int);
		CHECK_INT(doc.i, nums[k].i);
		CHECK(doc.num == nums[k].num);
		jv_fini(&doc);
	}
	/* "-0" is the int 0, and the double keeps its sign */
	CHECK_INT(json_read_parse(&doc, "-0", 2, NULL), 0);
	CHECK(doc.is_int && doc.i == 0 && doc.num == 0 && signbit(doc.num));
	jv_fini(&doc);
	CHECK_INT(json_read_parse(&doc, "1e999", 5, NULL), 0);
	CHECK(isinf(doc.num) && doc.num > 0 && !doc.is_int);
	jv_fini(&doc);
	return 0;
}

/* A number's text may be JSON_READ_NUM_MAX bytes, not one more. */
static int
t_number_length(void)
{
	char text[JSON_READ_NUM_MAX + 8];
	struct jv doc;

	memset(text, '0', sizeof(text));
	text[0] = '-';
	text[1] = '1';
	CHECK_INT(parse_copy(&doc, text, JSON_READ_NUM_MAX, NULL), 0);
	CHECK(!doc.is_int && doc.num < -9e61 && doc.num > -1.1e62);
	jv_fini(&doc);
	CHECK_INT(parse_copy(&doc, text, JSON_READ_NUM_MAX + 1, NULL), -E2BIG);
	CHECK(is_empty(&doc));
	/* 0.000...1: the fraction counts too */
	text[0] = '0';
	text[1] = '.';
	text[JSON_READ_NUM_MAX - 1] = '1';
	CHECK_INT(parse_copy(&doc, text, JSON_READ_NUM_MAX, NULL), 0);
	CHECK(doc.num > 0 && doc.num < 1e-60);
	jv_fini(&doc);
	text[JSON_READ_NUM_MAX - 1] = '0';
	text[JSON_READ_NUM_MAX] = '1';
	CHECK_INT(parse_copy(&doc, text, JSON_READ_NUM_MAX + 1, NULL), -E2BIG);
	/* inside an array, the limit wins over the missing ']' */
	text[0] = '[';
	text[1] = '1';
	CHECK_INT(parse_copy(&doc, text, JSON_READ_NUM_MAX + 2, NULL), -E2BIG);
	CHECK(is_empty(&doc));
	return 0;
}

/* --- limits ------------------------------------------------------------ */

/* k nested containers; kind '[' or '{'; scalar inside if non-NULL */
static char *
nest(size_t k, char kind, const char *inner, size_t *len)
{
	size_t in_len = inner ? strlen(inner) : 0, n = 0;
	char *s = malloc(k * 6 + in_len + 1);

	if (s == NULL)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		if (kind == '[') {
			s[n++] = '[';
		} else {
			memcpy(s + n, "{\"a\":", 5);
			n += 5;
		}
	}
	memcpy(s + n, inner ? inner : "", in_len);
	n += in_len;
	for (size_t i = 0; i < k; i++)
		s[n++] = kind == '[' ? ']' : '}';
	*len = n;
	return s;
}

static int
nest_rc(size_t k, char kind, const char *inner, unsigned max_depth)
{
	struct json_read_limits lim = { .max_depth = max_depth };
	struct jv doc;
	size_t len;
	char *s = nest(k, kind, inner, &len);
	int rc;

	if (s == NULL)
		return -ENOMEM;
	rc = parse_copy(&doc, s, len, max_depth ? &lim : NULL);
	if (rc != 0 && !is_empty(&doc))
		rc = -1000;
	jv_fini(&doc);
	free(s);
	return rc;
}

/*
 * A value's depth is the number of containers around it; a value deeper
 * than max_depth is -E2BIG. So d + 1 nested empty containers fit (the
 * innermost is at depth d), and d of them around a scalar.
 */
static int
t_depth(void)
{
	static const unsigned depths[] = { 1, 2, 5, 32, JSON_READ_DEPTH_CAP };

	for (size_t k = 0; k < N_ELEMS(depths); k++) {
		unsigned d = depths[k];

		CHECK_INT(nest_rc(d + 1, '[', NULL, d), 0);
		CHECK_INT(nest_rc(d + 2, '[', NULL, d), -E2BIG);
		CHECK_INT(nest_rc(d, '[', "1", d), 0);
		CHECK_INT(nest_rc(d + 1, '[', "1", d), -E2BIG);
		CHECK_INT(nest_rc(d, '{', "{}", d), 0);
		CHECK_INT(nest_rc(d + 1, '{', "{}", d), -E2BIG);
		CHECK_INT(nest_rc(d, '{', "\"s\"", d), 0);
		CHECK_INT(nest_rc(d + 1, '{', "\"s\"", d), -E2BIG);
	}
	/* NULL limits: JSON_READ_DEF_MAX_DEPTH */
	CHECK_INT(nest_rc(JSON_READ_DEF_MAX_DEPTH + 1, '[', NULL, 0), 0);
	CHECK_INT(nest_rc(JSON_READ_DEF_MAX_DEPTH + 2, '[', NULL, 0), -E2BIG);
	return 0;
}

/* A bomb of open brackets stops at the limit, not at the stack's end. */
static int
t_depth_bomb(void)
{
	size_t n = 1000000;
	char *s = malloc(n);
	struct json_read_limits lim = { .max_depth = JSON_READ_DEPTH_CAP };
	struct jv doc;

	CHECK(s != NULL);
	memset(s, '[', n);
	CHECK_INT(parse_copy(&doc, s, n, &lim), -E2BIG);
	CHECK(is_empty(&doc));
	for (size_t i = 0; i < n; i += 2)
		memcpy(s + i, "{\"", 2);
	CHECK_INT(parse_copy(&doc, s, n, &lim), -EPROTO); /* {"{"{"... */
	for (size_t i = 0; i + 5 <= n; i += 5) {
		memcpy(s + i, "{\"\":", 4);
		s[i + 4] = ' ';
	}
	lim.flags = JSON_READ_LAX;
	CHECK_INT(parse_copy(&doc, s, n, &lim), -E2BIG);
	free(s);
	return 0;
}

static int
t_nodes(void)
{
	static const struct {
		const char *in;
		size_t nodes; /* values: members and elements, not names */
	} docs[] = {
		{ "1", 1 },
		{ "[]", 1 },
		{ "[1,2,3]", 4 },
		{ "{\"a\":1,\"b\":[2]}", 4 },
		{ "[[],[[]],{}]", 5 },
		{ "{\"a\":{\"b\":{\"c\":null}}}", 4 },
	};

	for (size_t k = 0; k < N_ELEMS(docs); k++) {
		struct json_read_limits lim = { .max_nodes = docs[k].nodes };
		struct jv doc;
		size_t len = strlen(docs[k].in);

		CHECK_INT(parse_copy(&doc, docs[k].in, len, &lim), 0);
		jv_fini(&doc);
		if (docs[k].nodes > 1) {
			lim.max_nodes = docs[k].nodes - 1;
			CHECK_INT(
			    parse_copy(&doc, docs[k].in, len, &lim), -E2BIG);
			CHECK(is_empty(&doc));
		}
	}
	return 0;
}

/* Many values: the default node limit, and a wide array's exact size. */
static int
t_nodes_wide(void)
{
	size_t n_elems = JSON_READ_DEF_MAX_NODES, len = 2 * n_elems + 1;
	struct json_read_limits lim = { .max_nodes = n_elems + 1 };
	char *s = malloc(len);
	struct jv doc;

	CHECK(s != NULL);
	s[0] = '[';
	for (size_t i = 0; i < n_elems; i++) {
		s[1 + 2 * i] = (char)('0' + i % 10);
		s[2 + 2 * i] = ',';
	}
	s[len - 1] = ']';
	/* n_elems + 1 values: one over the default */
	CHECK_INT(parse_copy(&doc, s, len, NULL), -E2BIG);
	CHECK(is_empty(&doc));
	CHECK_INT(parse_copy(&doc, s, len, &lim), 0);
	CHECK_INT(doc.n, n_elems);
	CHECK_INT(doc.kid[n_elems - 1].i, (int64_t)((n_elems - 1) % 10));
	jv_fini(&doc);
	free(s);
	return 0;
}

static int
t_bytes(void)
{
	struct json_read_limits lim = { .max_bytes = 3 };
	size_t big = JSON_READ_DEF_MAX_BYTES + 1;
	char *s = malloc(big);
	struct jv doc;

	CHECK_INT(parse_copy(&doc, "[1]", 3, &lim), 0);
	jv_fini(&doc);
	CHECK_INT(parse_copy(&doc, "[1] ", 4, &lim), -E2BIG);
	CHECK(is_empty(&doc));
	/* the default: 1 MiB, whitespace included */
	CHECK(s != NULL);
	memset(s, ' ', big);
	s[0] = '1';
	CHECK_INT(parse_copy(&doc, s, big - 1, NULL), 0);
	CHECK_INT(doc.i, 1);
	jv_fini(&doc);
	CHECK_INT(parse_copy(&doc, s, big, NULL), -E2BIG);
	free(s);
	return 0;
}

/* A long string, escapes and raw UTF-8: unescaping never outgrows input. */
static int
t_long_string(void)
{
	size_t n_esc = 50000, len = 2 + 6 * n_esc;
	char *s = malloc(len);
	struct jv doc;

	CHECK(s != NULL);
	s[0] = '"';
	for (size_t i = 0; i < n_esc; i++)
		memcpy(s + 1 + 6 * i,
		    i % 2 ? "\\u20ac" : "\xe2\x82\xac\\/a", 6);
	s[len - 1] = '"';
	CHECK_INT(parse_copy(&doc, s, len, NULL), 0);
	CHECK_INT(strlen(doc.s), n_esc / 2 * 5 + n_esc / 2 * 3);
	CHECK_MEM(doc.s, "\xe2\x82\xac/a\xe2\x82\xac", 8);
	jv_fini(&doc);
	free(s);
	return 0;
}

static int
t_bad_limits(void)
{
	struct json_read_limits lim = { .max_depth = JSON_READ_DEPTH_CAP + 1 };
	struct jv doc;

	memset(&doc, 0xa5, sizeof(doc)); /* garbage before: overwritten */
	CHECK_INT(json_read_parse(&doc, "1", 1, &lim), -EINVAL);
	CHECK(is_empty(&doc));
	lim.max_depth = 0;
	lim.flags = 1u << 7;
	CHECK_INT(json_read_parse(&doc, "1", 1, &lim), -EINVAL);
	CHECK(is_empty(&doc));
	lim.flags = JSON_READ_LAX;
	CHECK_INT(json_read_parse(&doc, "1", 1, &lim), 0);
	jv_fini(&doc);
	jv_fini(NULL);
	CHECK_INT(json_read_parse(&doc, NULL, 0, NULL), -EPROTO);
	return 0;
}

#ifdef CDN_DEBUG
/*
 * XALLOC_FAIL_AT=N fails the Nth allocation: every one must end in
 * -ENOMEM with nothing left (jv_fini on an empty doc, and LeakSanitizer
 * when present), until N passes the parse's allocation count.
 */
int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static int
t_enomem(void)
{
	static const char text[] =
	    "{\"a\":[1,\"two\",{\"b\":[[\"\\u00e9\"],{}]},2.5],"
	    "\"c\":\"d\",\"e\":[[[[\"x\"]]]]}";
	int n, got_enomem = 0;

	for (n = 1; n < 1000; n++) {
		pid_t pid;
		int status;

		fflush(NULL);
		if ((pid = fork()) == 0) {
			struct jv doc;
			char num[16];
			int rc;

			snprintf(num, sizeof(num), "%d", n);
			setenv("XALLOC_FAIL_AT", num, 1);
			rc = json_read_parse(
			    &doc, text, sizeof(text) - 1, NULL);
			if (rc == -ENOMEM && !is_empty(&doc))
				_exit(3);
			jv_fini(&doc);
			if (__lsan_do_recoverable_leak_check &&
			    __lsan_do_recoverable_leak_check() != 0)
				_exit(4);
			_exit(rc == 0 ? 0 : rc == -ENOMEM ? 1 : 2);
		}
		CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			break;
		CHECK_INT(WEXITSTATUS(status), 1);
		got_enomem++;
	}
	/* strings and containers all allocate: many failure points */
	CHECK(got_enomem >= 15);
	CHECK(n < 1000);
	return 0;
}
#endif

int
main(void)
{
	RUN(t_types);
	RUN(t_numbers);
	RUN(t_strings);
	RUN(t_surrogates);
	RUN(t_utf8);
	RUN(t_structure);
	RUN(t_truncated);
	RUN(t_trailing);
	RUN(t_lookup);
	RUN(t_duplicate_keys);
	RUN(t_number_values);
	RUN(t_number_length);
	RUN(t_depth);
	RUN(t_depth_bomb);
	RUN(t_nodes);
	RUN(t_nodes_wide);
	RUN(t_bytes);
	RUN(t_long_string);
	RUN(t_bad_limits);
#ifdef CDN_DEBUG
	RUN(t_enomem);
#endif
	return check_done();
}
