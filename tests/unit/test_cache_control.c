/*
 * test_cache_control: the Cache-Control parser (edge/cache_control.c, RFC
 * 9111 5.2 and RFC 9110 5.6 list, token and quoted-string syntax).
 *
 * A table of raw header bytes (explicit lengths, so NUL and control bytes
 * are real input) with the exact struct and directive count expected; then
 * the CC_MAX_LEN cut, built at run time.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cache_control.h"
#include "check.h"

#define NS  (1u << 0)    /* no_store */
#define NC  (1u << 1)    /* no_cache */
#define PRV (1u << 2)    /* private_ */
#define PUB (1u << 3)    /* public_ */
#define IMM (1u << 4)    /* immutable */
#define MR  (1u << 5)    /* must_revalidate */
#define PR  (1u << 6)    /* proxy_revalidate */
#define OIC (1u << 7)    /* only_if_cached */
#define NT  (1u << 8)    /* no_transform */
#define MAX CC_DELTA_MAX

/* A header as bytes: string literal and its length without the final NUL. */
#define H(s) s, sizeof(s) - 1

static const struct cc_case {
	const char *hdr;
	size_t len;
	int n;                   /* directives recognised */
	int64_t max_age, s_maxage, max_stale, min_fresh;
	unsigned flags;
} cases[] = {
	/* no header */
	{ NULL, 0, 0, -1, -1, -1, -1, 0 },
	{ NULL, 5, 0, -1, -1, -1, -1, 0 },
	{ H(""), 0, -1, -1, -1, -1, 0 },
	{ "max-age=5", 0, 0, -1, -1, -1, -1, 0 },   /* length 0 wins */
	{ H("   "), 0, -1, -1, -1, -1, 0 },
	{ H(",,, ,"), 0, -1, -1, -1, -1, 0 },
	/* what our origin and common upstreams send */
	{ H("max-age=60"), 1, 60, -1, -1, -1, 0 },
	{ H("public, max-age=1"), 2, 1, -1, -1, -1, PUB },
	{ H("public, max-age=31536000, immutable"), 3, 31536000, -1, -1, -1,
	    PUB | IMM },
	{ H("no-cache, no-store, must-revalidate"), 3, -1, -1, -1, -1,
	    NC | NS | MR },
	{ H("private, max-age=0"), 2, 0, -1, -1, -1, PRV },
	{ H("public, max-age=10, s-maxage=30"), 3, 10, 30, -1, -1, PUB },
	{ H("max-age=60, proxy-revalidate, no-transform"), 3, 60, -1, -1, -1,
	    PR | NT },
	/* viewers' request directives (5.2.1) */
	{ H("max-age=0"), 1, 0, -1, -1, -1, 0 },
	{ H("no-cache"), 1, -1, -1, -1, -1, NC },
	{ H("only-if-cached"), 1, -1, -1, -1, -1, OIC },
	{ H("max-stale"), 1, -1, -1, MAX, -1, 0 },
	{ H("max-stale=5, min-fresh=2"), 2, -1, -1, 5, 2, 0 },
	{ H("max-stale=0"), 1, -1, -1, 0, -1, 0 },
	/* names are case-insensitive */
	{ H("MAX-AGE=7"), 1, 7, -1, -1, -1, 0 },
	{ H("Max-Age=7, No-Store, PUBLIC, Immutable"), 4, 7, -1, -1, -1,
	    NS | PUB | IMM },
	{ H("S-MaxAge=3, ONLY-IF-CACHED"), 2, -1, 3, -1, -1, OIC },
	/* quoted arguments are accepted (5.2), with quoted-pairs (9110 5.6.4) */
	{ H("max-age=\"5\""), 1, 5, -1, -1, -1, 0 },
	{ H("max-age=\"\\5\\0\""), 1, 50, -1, -1, -1, 0 },
	{ H("s-maxage=\"30\", max-stale=\"4\", min-fresh=\"1\""), 3, -1, 30,
	    4, 1, 0 },
	{ H("max-age=\"\""), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=\" 5\""), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=\"5\"x"), 1, 0, -1, -1, -1, 0 },
	/* an invalid max-age or s-maxage is 0: stale (4.2.1) */
	{ H("max-age"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age="), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=abc"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=-1"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=+5"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=1.5"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=0x10"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=5x"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=5 x"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age = 5"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age =5"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age= 5"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=\"5"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=5;foo"), 1, 0, -1, -1, -1, 0 },
	{ H("s-maxage"), 1, -1, 0, -1, -1, 0 },
	{ H("s-maxage=never"), 1, -1, 0, -1, -1, 0 },
	/* delta-seconds clamp at 2^31 (1.2.2); leading zeros are digits */
	{ H("max-age=2147483647"), 1, 2147483647, -1, -1, -1, 0 },
	{ H("max-age=2147483648"), 1, MAX, -1, -1, -1, 0 },
	{ H("max-age=2147483649"), 1, MAX, -1, -1, -1, 0 },
	{ H("max-age=99999999999999999999999999999999999999999"), 1, MAX, -1,
	    -1, -1, 0 },
	{ H("max-age=00000000000000000000000000000000000000000000000000007"), 1,
	    7, -1, -1, -1, 0 },
	{ H("max-stale=99999999999999999999, min-fresh=4294967296"), 2, -1,
	    -1, MAX, MAX, 0 },
	/* duplicates: differing freshness is stale (4.2.1); max-stale takes
	 * the smallest, min-fresh the largest */
	{ H("max-age=5, max-age=5"), 2, 5, -1, -1, -1, 0 },
	{ H("max-age=5, max-age=10"), 2, 0, -1, -1, -1, 0 },
	{ H("max-age=5, max-age=10, max-age=5"), 3, 0, -1, -1, -1, 0 },
	{ H("max-age=5, max-age=x"), 2, 0, -1, -1, -1, 0 },
	{ H("s-maxage=9,s-maxage=8"), 2, -1, 0, -1, -1, 0 },
	{ H("max-stale, max-stale=3, max-stale=7"), 3, -1, -1, 3, -1, 0 },
	{ H("min-fresh=9, min-fresh=2"), 2, -1, -1, -1, 9, 0 },
	/* max-stale and min-fresh loosen or are optional: bad ones ignored */
	{ H("max-stale=abc"), 0, -1, -1, -1, -1, 0 },
	{ H("max-stale=5 x"), 0, -1, -1, -1, -1, 0 },
	{ H("min-fresh"), 0, -1, -1, -1, -1, 0 },
	{ H("min-fresh=-3"), 0, -1, -1, -1, -1, 0 },
	/* field-list forms of no-cache and private count as bare */
	{ H("no-cache=\"Set-Cookie\""), 1, -1, -1, -1, -1, NC },
	{ H("no-cache=\"Set-Cookie, X-Foo\", max-age=5"), 2, 5, -1, -1, -1,
	    NC },
	{ H("private=\"Set-Cookie\""), 1, -1, -1, -1, -1, PRV },
	{ H("private=x-y"), 1, -1, -1, -1, -1, PRV },
	/* restricting directives are honoured even when malformed... */
	{ H("no-store=1"), 1, -1, -1, -1, -1, NS },
	{ H("no-store x"), 1, -1, -1, -1, -1, NS },
	{ H("must-revalidate=\"yes"), 1, -1, -1, -1, -1, MR },
	{ H("private = x"), 1, -1, -1, -1, -1, PRV },
	/* ...loosening ones (and only-if-cached) only when well formed */
	{ H("public=1"), 0, -1, -1, -1, -1, 0 },
	{ H("public x"), 0, -1, -1, -1, -1, 0 },
	{ H("immutable=\"\""), 0, -1, -1, -1, -1, 0 },
	{ H("only-if-cached=yes"), 0, -1, -1, -1, -1, 0 },
	/* unknown directives (5.2.3) and near misses are ignored */
	{ H("stale-while-revalidate=30, stale-if-error=60"), 0, -1, -1, -1, -1,
	    0 },
	{ H("foo, bar=baz, qux=\"a,b\", max-age=5"), 1, 5, -1, -1, -1, 0 },
	{ H("maxage=5, max_age=5, no-stor, publicx, max-age5"), 0, -1, -1,
	    -1, -1, 0 },
	/* list syntax: OWS, empty elements (9110 5.6.1) */
	{ H(" , ,max-age=5 ,, public ,\t"), 2, 5, -1, -1, -1, PUB },
	{ H("\tno-store\t,\tpublic\t"), 2, -1, -1, -1, -1, NS | PUB },
	{ H("max-age=5,public"), 2, 5, -1, -1, -1, PUB },
	/* a malformed element ends at its comma, and no sooner */
	{ H("=5, public"), 1, -1, -1, -1, -1, PUB },
	{ H("\"x\", public"), 1, -1, -1, -1, -1, PUB },
	{ H("max-age=5;public"), 1, 0, -1, -1, -1, 0 },
	{ H("max-age=5 public, no-store"), 2, 0, -1, -1, -1, NS },
	/* ... and commas inside a quoted-string do not end it */
	{ H("x y=\"a, public\", no-store"), 1, -1, -1, -1, -1, NS },
	{ H("x y=\"a\\\", public\", immutable"), 1, -1, -1, -1, -1, IMM },
	{ H("foo=\"a, max-age=99\", max-age=3"), 1, 3, -1, -1, -1, 0 },
	/* an unterminated quote swallows the rest */
	{ H("private=\"a, max-age=5, public"), 1, -1, -1, -1, -1, PRV },
	{ H("foo=\"a, public"), 0, -1, -1, -1, -1, 0 },
	/* NUL, control and non-ASCII bytes: never part of a name or number */
	{ H("max-age=5\0, public"), 2, 0, -1, -1, -1, PUB },
	{ H("\0no-store"), 0, -1, -1, -1, -1, 0 },
	{ H("no-store\0"), 1, -1, -1, -1, -1, NS },
	{ H("\x01public, no-cache"), 1, -1, -1, -1, -1, NC },
	{ H("max-age=\"5\x01\""), 1, 0, -1, -1, -1, 0 },
	{ H("no-cache=\"\xff\xfe\""), 1, -1, -1, -1, -1, NC },
	{ H("pub\xc3\xa9lic, max-age=8"), 1, 8, -1, -1, -1, 0 },
	{ H("max-age=5\r\n, public"), 2, 0, -1, -1, -1, PUB },
	/* everything at once */
	{ H("no-store,no-cache,private,public,immutable,must-revalidate,"
	    "proxy-revalidate,only-if-cached,no-transform,max-age=1,"
	    "s-maxage=2,max-stale=3,min-fresh=4"), 13, 1, 2, 3, 4,
	    NS | NC | PRV | PUB | IMM | MR | PR | OIC | NT },
};

static unsigned
flags_of(const struct cache_control *cc)
{
	return (cc->no_store ? NS : 0) | (cc->no_cache ? NC : 0) |
	    (cc->private_ ? PRV : 0) | (cc->public_ ? PUB : 0) |
	    (cc->immutable ? IMM : 0) | (cc->must_revalidate ? MR : 0) |
	    (cc->proxy_revalidate ? PR : 0) |
	    (cc->only_if_cached ? OIC : 0) | (cc->no_transform ? NT : 0);
}

static void
show(const char *what, int n, int64_t ma, int64_t sm, int64_t ms, int64_t mf,
    unsigned flags)
{
	fprintf(stderr, "    %s n=%d max-age=%lld s-maxage=%lld "
	    "max-stale=%lld min-fresh=%lld flags=0x%03x\n", what, n,
	    (long long)ma, (long long)sm, (long long)ms, (long long)mf, flags);
}

/* Compare one parse with what is wanted; prints both sides on mismatch. */
static int
check_cc(const char *label, const char *hdr, size_t len, int want_n,
    int64_t ma, int64_t sm, int64_t ms, int64_t mf, unsigned flags)
{
	struct cache_control cc;
	int n;

	memset(&cc, 0xab, sizeof(cc));   /* must be fully overwritten */
	n = cache_control_parse(hdr, len, &cc);
	if (n == want_n && cc.max_age_s == ma && cc.s_maxage_s == sm &&
	    cc.max_stale_s == ms && cc.min_fresh_s == mf &&
	    flags_of(&cc) == flags)
		return 0;
	fprintf(stderr, "  %s (%zu bytes):\n", label, len);
	show("got ", n, cc.max_age_s, cc.s_maxage_s, cc.max_stale_s,
	    cc.min_fresh_s, flags_of(&cc));
	show("want", want_n, ma, sm, ms, mf, flags);
	return 1;
}

static int
t_table(void)
{
	char label[96];
	size_t i, j;
	int failed = 0;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct cc_case *t = &cases[i];

		/* a printable label: "\xNN" for anything else */
		snprintf(label, sizeof(label), "case %zu \"", i);
		for (j = 0; t->hdr != NULL && j < t->len &&
		    strlen(label) < sizeof(label) - 8; j++) {
			unsigned char c = (unsigned char)t->hdr[j];
			size_t at = strlen(label);

			if (c >= 0x20 && c < 0x7f)
				snprintf(label + at, sizeof(label) - at, "%c",
				    c);
			else
				snprintf(label + at, sizeof(label) - at,
				    "\\x%02x", c);
		}
		strcat(label, "\"");
		failed |= check_cc(label, t->hdr, t->len, t->n, t->max_age,
		    t->s_maxage, t->max_stale, t->min_fresh, t->flags);
	}
	return failed;
}

/*
 * Only the first CC_MAX_LEN bytes count; the element the cut falls in is
 * whole only if a ',' follows the cut, otherwise it is read as malformed.
 * tail is placed so that its first cut_at bytes are inside the limit.
 */
static int
cut_case(const char *tail, size_t cut_at, int want_n, int64_t ma,
    unsigned flags)
{
	static char hdr[CC_MAX_LEN + 64];
	size_t pad = CC_MAX_LEN - cut_at, len = pad + strlen(tail);
	char label[128];

	memset(hdr, ',', pad);   /* empty list elements: harmless */
	memcpy(hdr + pad, tail, strlen(tail));
	snprintf(label, sizeof(label), "cut after %zu bytes of \"%s\"",
	    cut_at, tail);
	return check_cc(label, hdr, len, want_n, ma, -1, -1, -1, flags);
}

static int
t_cut(void)
{
	int failed = 0;

	/* exactly CC_MAX_LEN bytes: nothing is cut */
	failed |= cut_case("max-age=3600", 12, 1, 3600, 0);
	failed |= cut_case("public", 6, 1, -1, PUB);
	/* a number cut short would be wrong: read as invalid, so stale */
	failed |= cut_case("max-age=3600", 10, 1, 0, 0);
	failed |= cut_case("max-age=3600", 8, 1, 0, 0);
	/* a name cut short is another name, or malformed */
	failed |= cut_case("public", 5, 0, -1, 0);
	failed |= cut_case("publicity", 6, 0, -1, 0);
	failed |= cut_case("no-storefront", 8, 1, -1, NS);
	/* cut just before a comma: the element is whole */
	failed |= cut_case("public,no-store", 6, 1, -1, PUB);
	failed |= cut_case("max-age=36,public", 10, 1, 36, 0);
	/* cut inside a quoted string */
	failed |= cut_case("max-age=\"36\", public", 11, 1, 0, 0);
	failed |= cut_case("no-cache=\"a, b\", public", 12, 1, -1, NC);
	/* what lies past the limit never counts */
	failed |= cut_case(", no-store", 0, 0, -1, 0);
	failed |= cut_case("public, no-store", 7, 1, -1, PUB);
	failed |= cut_case("public,max-age=0,private", 16, 2, 0, PUB);
	return failed;
}

/* A header far over the limit: what follows the first CC_MAX_LEN bytes,
 * even a restricting directive, is not read. */
static int
t_long(void)
{
	static char hdr[3 * CC_MAX_LEN];
	struct cache_control cc;

	memset(hdr, ',', sizeof(hdr));
	memcpy(hdr, "max-age=9, ", 11);
	memcpy(hdr + sizeof(hdr) - 10, ",no-store ", 10);
	CHECK_INT(cache_control_parse(hdr, sizeof(hdr), &cc), 1);
	CHECK_INT(cc.max_age_s, 9);
	CHECK_INT(cc.no_store, 0);
	return 0;
}

int
main(void)
{
	RUN(t_table);
	RUN(t_cut);
	RUN(t_long);
	return check_done();
}
