/*
 * cache_control: parse one Cache-Control field value; see cache_control.h.
 *
 * Implements RFC 9111 5.2 (cache-directive = token [ "=" ( token /
 * quoted-string ) ]), 5.2.1 request and 5.2.2 response directives, 1.2.2
 * delta-seconds (clamped at 2^31), 4.2.1 (an invalid or conflicting
 * freshness value makes the response stale), RFC 9110 5.6.1 list syntax
 * (OWS around commas, empty elements), 5.6.2 tokens and 5.6.4 quoted-strings
 * with quoted-pairs, and RFC 8246 immutable.
 *
 * Design: the value is peer input, read through a bounded cursor (rd.h).
 * The parser does not know the direction; it fills every field and the
 * caller reads those that apply. When an element is malformed we take the
 * reading that never loosens caching: a max-age or s-maxage we cannot read
 * is 0 (stale), the restricting directives (no-store, no-cache, private,
 * must-revalidate, proxy-revalidate, no-transform) are honoured whatever
 * follows their name, and the loosening ones (public, immutable, max-stale,
 * min-fresh) and only-if-cached count only when well formed. A header cut
 * at CC_MAX_LEN treats its cut last element as malformed.
 */
#include "config.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cache_control.h"
#include "rd.h"

enum cc_dir {
	CC_UNKNOWN = 0,
	CC_MAX_AGE,
	CC_S_MAXAGE,
	CC_MAX_STALE,
	CC_MIN_FRESH,
	CC_NO_STORE,
	CC_NO_CACHE,
	CC_PRIVATE,
	CC_PUBLIC,
	CC_IMMUTABLE,
	CC_MUST_REVALIDATE,
	CC_PROXY_REVALIDATE,
	CC_ONLY_IF_CACHED,
	CC_NO_TRANSFORM,
};

static const struct {
	const char *name;
	enum cc_dir dir;
} cc_names[] = {
	{ "max-age", CC_MAX_AGE },
	{ "s-maxage", CC_S_MAXAGE },
	{ "max-stale", CC_MAX_STALE },
	{ "min-fresh", CC_MIN_FRESH },
	{ "no-store", CC_NO_STORE },
	{ "no-cache", CC_NO_CACHE },
	{ "private", CC_PRIVATE },
	{ "public", CC_PUBLIC },
	{ "immutable", CC_IMMUTABLE },
	{ "must-revalidate", CC_MUST_REVALIDATE },
	{ "proxy-revalidate", CC_PROXY_REVALIDATE },
	{ "only-if-cached", CC_ONLY_IF_CACHED },
	{ "no-transform", CC_NO_TRANSFORM },
};

/*
 * One element as read. Only numeric arguments matter to us, so the argument
 * (unquoted) is not kept: its value is accumulated as it is read, saturating
 * at CC_DELTA_MAX, so any number of digits is safe.
 */
struct cc_elem {
	enum cc_dir dir;
	bool has_arg;
	bool arg_digits;             /* non-empty and all DIGIT */
	size_t arg_len;
	int64_t arg_num;             /* meaningful when arg_digits */
};

/* RFC 9110 5.6.2: tchar */
static bool
is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void
skip_ows(struct rd *in)
{
	uint8_t c;

	/* RFC 9110 5.6.3: OWS = *( SP / HTAB ) */
	while (rd_peek_u8(in, &c) == 0 && (c == ' ' || c == '\t'))
		rd_skip(in, 1);
}

/* ASCII-only case folding: directive names are case-insensitive (5.2) and
 * must not depend on the locale. */
static uint8_t
lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static enum cc_dir
lookup(const uint8_t *name, size_t len)
{
	size_t i, j;

	for (i = 0; i < sizeof(cc_names) / sizeof(cc_names[0]); i++) {
		if (strlen(cc_names[i].name) != len)
			continue;
		for (j = 0; j < len; j++)
			if (lower(name[j]) != (uint8_t)cc_names[i].name[j])
				break;
		if (j == len)
			return cc_names[i].dir;
	}
	return CC_UNKNOWN;
}

static void
arg_put(struct cc_elem *e, uint8_t c)
{
	if (e->arg_len++ == 0)
		e->arg_digits = true;
	if (c < '0' || c > '9')
		e->arg_digits = false;
	else if (e->arg_num <= CC_DELTA_MAX)
		e->arg_num = e->arg_num * 10 + (c - '0');
}

/*
 * RFC 9110 5.6.4: quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE,
 * the opening quote already consumed. The unescaped text goes to arg_put.
 * -1 when unterminated or when a byte is outside qdtext / quoted-pair.
 */
static int
read_quoted(struct rd *in, struct cc_elem *e)
{
	uint8_t c;

	for (;;) {
		if (rd_u8(in, &c) != 0)
			return -1;
		if (c == '"')
			return 0;
		if (c == '\\' && rd_u8(in, &c) != 0)
			return -1;
		/* qdtext and the quoted-pair's octet: HTAB / SP / VCHAR /
		 * obs-text; any other control byte is malformed */
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		arg_put(e, c);
	}
}

/* Step past the rest of a malformed element, up to its ',' (kept) or the
 * end. A quoted-string is skipped whole, so a comma (or a directive) inside
 * one never starts an element. */
static void
skip_element(struct rd *in)
{
	bool quoted = false;
	uint8_t c;

	while (rd_peek_u8(in, &c) == 0) {
		if (!quoted && c == ',')
			return;
		rd_skip(in, 1);
		if (c == '"')
			quoted = !quoted;
		else if (quoted && c == '\\')
			rd_skip(in, 1);   /* fails harmlessly at the end */
	}
}

/*
 * Read one element: name, optional "=" argument, OWS, up to the next ','
 * or the end. 0 when well formed; -1 when malformed (the cursor is then past
 * it). e->dir is set as soon as the name is read, so a malformed element
 * still says which directive it tried to be.
 */
static int
read_element(struct rd *in, struct cc_elem *e)
{
	struct rd start = *in;
	const uint8_t *name;
	size_t name_len = 0;
	uint8_t c;

	memset(e, 0, sizeof(*e));
	while (rd_peek_u8(in, &c) == 0 && is_tchar(c)) {
		rd_skip(in, 1);
		name_len++;
	}
	if (name_len == 0)
		goto bad;
	if (rd_ptr(&start, name_len, &name) != 0)   /* bytes stepped over */
		goto bad;
	e->dir = lookup(name, name_len);
	if (rd_peek_u8(in, &c) == 0 && c == '=') {
		rd_skip(in, 1);
		e->has_arg = true;
		if (rd_peek_u8(in, &c) == 0 && c == '"') {
			rd_skip(in, 1);
			if (read_quoted(in, e) != 0)
				goto bad;
		} else {
			/* token form: 1*tchar, so "max-age=" is malformed */
			while (rd_peek_u8(in, &c) == 0 && is_tchar(c)) {
				arg_put(e, c);
				rd_skip(in, 1);
			}
			if (e->arg_len == 0)
				goto bad;
		}
	}
	skip_ows(in);
	if (rd_peek_u8(in, &c) == 0 && c != ',')
		goto bad;   /* "max-age=5 x", "max-age = 5", "a;b" */
	return 0;
bad:
	skip_element(in);
	return -1;
}

/* RFC 9111 1.2.2: delta-seconds = 1*DIGIT, clamped to 2^31. -1 if not. */
static int64_t
delta_seconds(const struct cc_elem *e)
{
	if (!e->has_arg || !e->arg_digits)
		return -1;
	return e->arg_num > CC_DELTA_MAX ? CC_DELTA_MAX : e->arg_num;
}

/* RFC 9111 4.2.1: of several differing values, either the first is used
 * or the response is stale; we take stale, the safe side. */
static void
set_freshness(int64_t *slot, int64_t v)
{
	if (*slot == -1)
		*slot = v;
	else if (*slot != v)
		*slot = 0;
}

/* Apply one element; returns 1 when it counted as a recognised directive. */
static int
apply(struct cache_control *cc, const struct cc_elem *e, bool ok)
{
	int64_t v;

	switch (e->dir) {
	case CC_MAX_AGE:
	case CC_S_MAXAGE:
		/* 4.2.1: an invalid value is stale */
		v = ok ? delta_seconds(e) : -1;
		set_freshness(e->dir == CC_MAX_AGE ? &cc->max_age_s :
		    &cc->s_maxage_s, v < 0 ? 0 : v);
		return 1;
	case CC_MAX_STALE:
		/* 5.2.1.2: bare means any staleness; of several, the
		 * smallest (least staleness accepted) */
		if (!ok)
			return 0;
		v = e->has_arg ? delta_seconds(e) : CC_DELTA_MAX;
		if (v < 0)
			return 0;
		if (cc->max_stale_s == -1 || v < cc->max_stale_s)
			cc->max_stale_s = v;
		return 1;
	case CC_MIN_FRESH:
		/* 5.2.1.3: the argument is required; of several, the
		 * largest (the most demanding) */
		if (!ok || (v = delta_seconds(e)) < 0)
			return 0;
		if (v > cc->min_fresh_s)
			cc->min_fresh_s = v;
		return 1;
	case CC_NO_STORE:
		cc->no_store = true;
		return 1;
	case CC_NO_CACHE:
		/* 5.2.2.4: the qualified form ("no-cache=field") counts as
		 * unqualified: we do not strip fields */
		cc->no_cache = true;
		return 1;
	case CC_PRIVATE:
		/* 5.2.2.7: likewise, a qualified private keeps the whole
		 * response out of a shared cache */
		cc->private_ = true;
		return 1;
	case CC_MUST_REVALIDATE:
		cc->must_revalidate = true;
		return 1;
	case CC_PROXY_REVALIDATE:
		cc->proxy_revalidate = true;
		return 1;
	case CC_NO_TRANSFORM:
		cc->no_transform = true;
		return 1;
	case CC_PUBLIC:
	case CC_IMMUTABLE:
	case CC_ONLY_IF_CACHED:
		/* no argument defined: with one it is not this directive */
		if (!ok || e->has_arg)
			return 0;
		if (e->dir == CC_PUBLIC)
			cc->public_ = true;
		else if (e->dir == CC_IMMUTABLE)
			cc->immutable = true;
		else
			cc->only_if_cached = true;
		return 1;
	case CC_UNKNOWN:
		break;   /* 5.2.3: unknown extensions are ignored */
	}
	return 0;
}

/*
 * Parse value (hdr_len bytes, may be NULL) into *cc, always fully set.
 * Borrows value. Returns the number of directives recognised (each
 * occurrence counts). Pure: any thread.
 */
int
cache_control_parse(const char *value, size_t hdr_len, struct cache_control *cc)
{
	struct rd in;
	struct cc_elem e;
	bool cut = false, ok;
	uint8_t c;
	int n = 0;

	memset(cc, 0, sizeof(*cc));
	cc->max_age_s = -1;
	cc->s_maxage_s = -1;
	cc->max_stale_s = -1;
	cc->min_fresh_s = -1;
	if (value == NULL || hdr_len == 0)
		goto out;
	if (hdr_len > CC_MAX_LEN) {
		/* The last element is whole only if a comma follows the
		 * cut; we look at that one byte, no further. */
		cut = value[CC_MAX_LEN] != ',';
		hdr_len = CC_MAX_LEN;
	}
	rd_init(&in, value, hdr_len);
	for (;;) {
		/* RFC 9110 5.6.1: #element with OWS and empty elements */
		skip_ows(&in);
		if (rd_peek_u8(&in, &c) != 0)
			break;
		if (c == ',') {
			rd_skip(&in, 1);
			continue;
		}
		ok = read_element(&in, &e) == 0;
		if (cut && in.left == 0)
			ok = false;   /* ran into the cut: maybe incomplete */
		n += apply(cc, &e, ok);
	}
out:
	return n;
}
