/*
 * m3u8_scan: scan an HLS playlist for what the edge needs; see m3u8_scan.h.
 *
 * Implements RFC 8216 4.1 (lines: LF or CRLF, blank lines, comments, tags),
 * 4.2 (attribute lists, decimal-integer, decimal-floating-point, quoted
 * strings), 4.3.1.1 EXTM3U, 4.3.2.1 EXTINF, 4.3.2.5 EXT-X-MAP, 4.3.3.1
 * TARGETDURATION, 4.3.3.2 MEDIA-SEQUENCE, 4.3.3.4 ENDLIST, 4.3.4.1
 * EXT-X-MEDIA, 4.3.4.2 STREAM-INF; draft-pantos-hls-rfc8216bis 4.4.3.7
 * PART-INF, 4.4.3.8 SERVER-CONTROL, 4.4.4.9 PART, 4.4.5.3 PRELOAD-HINT;
 * and RFC 3986 3.1, 4.2, 5.2 for m3u8_resolve.
 *
 * Design: one pass, line by line, each line parsed inside its own
 * sub-cursor. Kept URIs live in a ring of at most M3U8_MAX_URIS, so the
 * newest win, unrolled into playlist order at the end. Peer mistakes are
 * counted in n_bad and skipped: a bad EXTINF leaves its segment with
 * duration 0; a tag seen twice that RFC 8216 allows once keeps its first
 * value. We keep URIs strictly (quoted, no control bytes, not empty), but
 * read STREAM-INF loosely: its own attributes do not matter here, and its
 * URI line is intact, so even a malformed (or overlong) STREAM-INF makes
 * the next URI line a variant.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "m3u8_scan.h"
#include "rd.h"
#include "xalloc.h"

#define M3U8_URIS_FIRST 16   /* first allocation; doubles up to the max */

struct scan {
	struct m3u8_info *info;
	size_t cap;              /* entries allocated in info->uris */
	size_t oldest;           /* ring start once n_uris == M3U8_MAX_URIS */
	uint32_t next_dur_ms;    /* from EXTINF, for the next segment */
	bool next_is_variant;    /* EXT-X-STREAM-INF seen, URI line pending */
	bool seen_target, seen_seq, seen_part_inf, seen_server_control;
};

/* Handler verdicts; a negative errno passes through. */
enum { TAG_OK = 0, TAG_BAD = 1 };

static void
info_empty(struct m3u8_info *info)
{
	memset(info, 0, sizeof(*info));
	info->target_duration_s = -1;
	info->part_target_ms = -1;
}

void
m3u8_info_fini(struct m3u8_info *info)
{
	if (info == NULL)
		return;
	free(info->uris);
	info_empty(info);
}

static bool
is_ctl(uint8_t c)
{
	return c < 0x20 || c == 0x7f;
}

/* True when the cursor starts with s; then steps over it. */
static bool
eat(struct rd *r, const char *s)
{
	size_t n = strlen(s);

	if (r->left < n || memcmp(r->p, s, n) != 0)
		return false;
	rd_skip(r, n);
	return true;
}

/*
 * Keep one URI (len bytes at uri, checked by the caller). Past
 * M3U8_MAX_URIS the oldest entry is overwritten. 0 or -ENOMEM.
 */
static int
keep(struct scan *s, enum m3u8_uri_kind kind, uint32_t dur_ms,
    const uint8_t *uri, size_t len)
{
	struct m3u8_info *info = s->info;
	struct m3u8_uri *u, *grown;
	size_t cap;

	if (info->n_uris == M3U8_MAX_URIS) {
		u = &info->uris[s->oldest];
		s->oldest = (s->oldest + 1) % M3U8_MAX_URIS;
	} else {
		if (info->n_uris == s->cap) {
			cap = s->cap ? s->cap * 2 : M3U8_URIS_FIRST;
			if (cap > M3U8_MAX_URIS)
				cap = M3U8_MAX_URIS;
			grown = xreallocarray(info->uris, cap, sizeof(*grown));
			if (grown == NULL)
				return -ENOMEM;
			info->uris = grown;
			s->cap = cap;
		}
		u = &info->uris[info->n_uris++];
	}
	u->kind = kind;
	u->duration_ms = dur_ms;
	memcpy(u->uri, uri, len);
	u->uri[len] = '\0';
	return 0;
}

static void
swap_range(struct m3u8_uri *a, size_t i, size_t j)
{
	struct m3u8_uri t;

	while (i + 1 < j) {   /* reverse a[i .. j-1] */
		j--;
		t = a[i];
		a[i] = a[j];
		a[j] = t;
		i++;
	}
}

/* Unroll the ring into playlist order, in place (three reversals). */
static void
unroll(struct scan *s)
{
	struct m3u8_info *info = s->info;

	if (s->oldest == 0)
		return;
	swap_range(info->uris, 0, s->oldest);
	swap_range(info->uris, s->oldest, info->n_uris);
	swap_range(info->uris, 0, info->n_uris);
	s->oldest = 0;
}

/* A URI we can keep: 1..M3U8_URI_MAX bytes, no control bytes (a NUL would
 * silently shorten it; CR, LF or TAB have no business in a URI). */
static bool
uri_ok(const struct rd *v)
{
	size_t i;

	if (v->left == 0 || v->left > M3U8_URI_MAX)
		return false;
	for (i = 0; i < v->left; i++)
		if (is_ctl(v->p[i]))
			return false;
	return true;
}

/* RFC 8216 4.2 decimal-integer: 1*DIGIT, the whole value; we take what
 * fits an int64_t and refuse the rest (up to 2^64-1 is legal, but no
 * sequence number or duration gets near 2^63). */
static int
parse_int(struct rd v, int64_t *out)
{
	int64_t x = 0;
	uint8_t c;

	if (v.left == 0)
		return -1;
	while (rd_u8(&v, &c) == 0) {
		if (c < '0' || c > '9' || x > (INT64_MAX - (c - '0')) / 10)
			return -1;
		x = x * 10 + (c - '0');
	}
	*out = x;
	return 0;
}

/*
 * RFC 8216 4.2 decimal-floating-point seconds (or a decimal-integer) into
 * milliseconds, rounded half up, at most max_ms. Only [0-9] and one '.',
 * at least one digit: no sign, exponent or white space.
 */
static int
parse_ms(struct rd v, int64_t max_ms, int64_t *out)
{
	int64_t sec = 0, frac = 0;
	int n_int = 0, n_frac = 0;
	bool dot = false, up = false;
	uint8_t c;

	while (rd_u8(&v, &c) == 0) {
		if (c == '.' && !dot) {
			dot = true;
		} else if (c < '0' || c > '9') {
			return -1;
		} else if (!dot) {
			if (sec > (max_ms / 1000 + 1))
				return -1;   /* too big already: stop growing */
			sec = sec * 10 + (c - '0');
			n_int++;
		} else {
			if (n_frac < 3)
				frac = frac * 10 + (c - '0');
			else if (n_frac == 3)
				up = c >= '5';
			n_frac++;
		}
	}
	if (n_int + n_frac == 0 || sec > max_ms / 1000)
		return -1;
	for (; n_frac < 3; n_frac++)
		frac *= 10;
	sec = sec * 1000 + frac + (up ? 1 : 0);
	if (sec > max_ms)
		return -1;
	*out = sec;
	return 0;
}

struct attr {
	const char *name;
	bool found;
	bool quoted;
	struct rd val;           /* without the quotes */
};

/*
 * RFC 8216 4.2 attribute-list: AttributeName=AttributeValue, comma
 * separated, names [A-Z0-9-]+, values quoted-string (no '"', CR, LF) or
 * unquoted without '"', ',' or white space; no white space around. Each
 * wanted attribute's value is returned in want[]. -1 when malformed, or
 * when a wanted attribute appears twice (4.2: names are unique).
 */
static int
parse_attrs(struct rd in, struct attr *want, size_t n_want)
{
	const uint8_t *name;
	struct rd save, val;
	size_t i, n;
	uint8_t c;
	bool quoted;

	if (in.left == 0)
		return -1;
	for (;;) {
		save = in;
		n = 0;
		while (rd_peek_u8(&in, &c) == 0 && ((c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-')) {
			rd_skip(&in, 1);
			n++;
		}
		if (n == 0 || rd_u8(&in, &c) != 0 || c != '=' ||
		    rd_ptr(&save, n, &name) != 0)
			return -1;
		quoted = rd_peek_u8(&in, &c) == 0 && c == '"';
		if (quoted)
			rd_skip(&in, 1);
		save = in;
		while (rd_peek_u8(&in, &c) == 0 && c != (quoted ? '"' : ',')) {
			if (is_ctl(c) || (!quoted && (c == '"' || c == ' ')))
				return -1;
			rd_skip(&in, 1);
		}
		if (rd_sub(&save, save.left - in.left, &val) != 0 ||
		    (quoted && rd_u8(&in, &c) != 0))
			return -1;   /* no closing quote */
		if (!quoted && val.left == 0)
			return -1;
		for (i = 0; i < n_want; i++) {
			if (strlen(want[i].name) != n ||
			    memcmp(want[i].name, name, n) != 0)
				continue;
			if (want[i].found)
				return -1;
			want[i].found = true;
			want[i].quoted = quoted;
			want[i].val = val;
		}
		if (rd_u8(&in, &c) != 0)
			return 0;
		if (c != ',' || in.left == 0)
			return -1;   /* junk after a quote; a trailing comma */
	}
}

/* The URI attribute of a tag: required or not, it must be a quoted,
 * keepable URI when present. TAG_BAD if not. */
static int
attr_uri(const struct attr *a, bool required)
{
	if (!a->found)
		return required ? TAG_BAD : TAG_OK;
	return a->quoted && uri_ok(&a->val) ? TAG_OK : TAG_BAD;
}

/* 4.3.2.1: #EXTINF:<duration>,[<title>]. We also take a missing comma. */
static int
tag_extinf(struct scan *s, struct rd v)
{
	struct rd dur = v;
	const uint8_t *comma = memchr(v.p, ',', v.left);
	int64_t ms;

	s->next_dur_ms = 0;
	if (comma != NULL)
		rd_sub(&v, (size_t)(comma - v.p), &dur);
	if (parse_ms(dur, UINT32_MAX, &ms) != 0)
		return TAG_BAD;
	s->next_dur_ms = (uint32_t)ms;
	return TAG_OK;
}

/* 4.3.3.1, 4.3.3.2: once per playlist; a repeat is bad, the first stays. */
static int
tag_once_int(struct rd v, bool *seen, int64_t *slot)
{
	int64_t x;

	if (*seen || parse_int(v, &x) != 0)
		return TAG_BAD;
	*seen = true;
	*slot = x;
	return TAG_OK;
}

static int
tag_target(struct scan *s, struct rd v)
{
	return tag_once_int(v, &s->seen_target, &s->info->target_duration_s);
}

static int
tag_seq(struct scan *s, struct rd v)
{
	return tag_once_int(v, &s->seen_seq, &s->info->media_sequence);
}

/* 4.3.2.5: #EXT-X-MAP:URI="<uri>"[,BYTERANGE="<n>[@<o>]"] */
static int
tag_map(struct scan *s, struct rd v)
{
	struct attr a[] = { { .name = "URI" } };

	if (parse_attrs(v, a, 1) != 0 || attr_uri(&a[0], true) != TAG_OK)
		return TAG_BAD;
	return keep(s, M3U8_MAP, 0, a[0].val.p, a[0].val.left);
}

/* 4.3.4.2: the attributes are the player's business; see the top. */
static int
tag_stream_inf(struct scan *s, struct rd v)
{
	s->info->is_master = true;
	s->next_is_variant = true;
	return parse_attrs(v, NULL, 0) == 0 ? TAG_OK : TAG_BAD;
}

/* 4.3.4.1: URI is optional (e.g. CLOSED-CAPTIONS, muxed renditions). */
static int
tag_media(struct scan *s, struct rd v)
{
	struct attr a[] = { { .name = "URI" } };

	if (parse_attrs(v, a, 1) != 0 || attr_uri(&a[0], false) != TAG_OK)
		return TAG_BAD;
	if (!a[0].found)
		return TAG_OK;
	return keep(s, M3U8_MEDIA, 0, a[0].val.p, a[0].val.left);
}

/*
 * rfc8216bis 4.4.4.9: #EXT-X-PART:DURATION=<s>,URI="<uri>"[,...]. Both are
 * required; a bad or missing DURATION still keeps the URI (duration 0),
 * counted as bad, like a bad EXTINF.
 */
static int
tag_part(struct scan *s, struct rd v)
{
	struct attr a[] = { { .name = "URI" }, { .name = "DURATION" } };
	int64_t ms;
	int rc;

	if (parse_attrs(v, a, 2) != 0 || attr_uri(&a[0], true) != TAG_OK)
		return TAG_BAD;
	if (!a[1].found || a[1].quoted ||
	    parse_ms(a[1].val, UINT32_MAX, &ms) != 0)
		ms = -1;
	rc = keep(s, M3U8_PART, ms < 0 ? 0 : (uint32_t)ms, a[0].val.p,
	    a[0].val.left);
	if (rc == 0 && ms < 0)
		rc = TAG_BAD;
	return rc;
}

/* rfc8216bis 4.4.5.3: #EXT-X-PRELOAD-HINT:TYPE=PART|MAP,URI="<uri>" */
static int
tag_preload(struct scan *s, struct rd v)
{
	struct attr a[] = { { .name = "URI" } };

	if (parse_attrs(v, a, 1) != 0 || attr_uri(&a[0], true) != TAG_OK)
		return TAG_BAD;
	return keep(s, M3U8_PRELOAD, 0, a[0].val.p, a[0].val.left);
}

/* rfc8216bis 4.4.3.8: once per playlist. */
static int
tag_server_control(struct scan *s, struct rd v)
{
	struct attr a[] = { { .name = "CAN-BLOCK-RELOAD" } };

	if (s->seen_server_control || parse_attrs(v, a, 1) != 0)
		return TAG_BAD;
	s->seen_server_control = true;
	s->info->can_block_reload = a[0].found && !a[0].quoted &&
	    a[0].val.left == 3 && memcmp(a[0].val.p, "YES", 3) == 0;
	return TAG_OK;
}

/* rfc8216bis 4.4.3.7: #EXT-X-PART-INF:PART-TARGET=<s>, once. */
static int
tag_part_inf(struct scan *s, struct rd v)
{
	struct attr a[] = { { .name = "PART-TARGET" } };
	int64_t ms;

	if (s->seen_part_inf || parse_attrs(v, a, 1) != 0 || !a[0].found ||
	    a[0].quoted || parse_ms(a[0].val, INT64_MAX / 2, &ms) != 0)
		return TAG_BAD;
	s->seen_part_inf = true;
	s->info->part_target_ms = ms;
	return TAG_OK;
}

static int
tag_endlist(struct scan *s, struct rd v)
{
	(void)v;
	s->info->has_endlist = true;
	return TAG_OK;
}

static const struct tag {
	const char *name;        /* with the ':' when the tag has a value */
	int (*fn)(struct scan *, struct rd);
} tags[] = {
	{ "#EXTINF:", tag_extinf },
	{ "#EXT-X-TARGETDURATION:", tag_target },
	{ "#EXT-X-MEDIA-SEQUENCE:", tag_seq },
	{ "#EXT-X-ENDLIST", tag_endlist },
	{ "#EXT-X-MAP:", tag_map },
	{ "#EXT-X-STREAM-INF:", tag_stream_inf },
	{ "#EXT-X-MEDIA:", tag_media },
	{ "#EXT-X-PART:", tag_part },
	{ "#EXT-X-PART-INF:", tag_part_inf },
	{ "#EXT-X-PRELOAD-HINT:", tag_preload },
	{ "#EXT-X-SERVER-CONTROL:", tag_server_control },
};

/*
 * A tag line (starts with "#EXT"). A known tag name must be followed by
 * its ':' (or by the end, for ENDLIST); "#EXT-X-MAP" without a value or
 * "#EXT-X-ENDLIST:x" is bad. Unknown tags are ignored (4.1).
 */
static int
scan_tag(struct scan *s, struct rd line)
{
	const struct tag *t;
	size_t i, n;
	bool has_colon;
	struct rd name = line;
	const uint8_t *colon = memchr(line.p, ':', line.left);

	if (colon != NULL)
		rd_sub(&line, (size_t)(colon - line.p), &name);
	else
		rd_sub(&line, line.left, &name);
	has_colon = rd_skip(&line, 1) == 0;   /* line: the value, if any */
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		t = &tags[i];
		n = strlen(t->name);
		if (t->name[n - 1] == ':')
			n--;
		if (name.left != n || memcmp(name.p, t->name, n) != 0)
			continue;
		if (has_colon != (t->name[n] == ':'))
			return TAG_BAD;
		return t->fn(s, line);
	}
	return TAG_OK;
}

/* A URI line: a variant after STREAM-INF, else a media segment (4.3.2). */
static int
scan_uri(struct scan *s, struct rd line, bool overlong)
{
	enum m3u8_uri_kind kind = s->next_is_variant ? M3U8_VARIANT :
	    M3U8_SEGMENT;
	uint32_t dur_ms = s->next_dur_ms;

	s->next_is_variant = false;
	s->next_dur_ms = 0;
	if (kind == M3U8_SEGMENT)
		s->info->n_segments++;   /* it exists, even if we drop it */
	else
		dur_ms = 0;
	if (overlong || !uri_ok(&line))
		return TAG_BAD;
	return keep(s, kind, dur_ms, line.p, line.left);
}

static bool
is_blank(struct rd line)
{
	uint8_t c;

	/* 4.1 ignores blank lines; we take white space only as blank too */
	while (rd_u8(&line, &c) == 0)
		if (c != ' ' && c != '\t')
			return false;
	return true;
}

static int
scan_line(struct scan *s, struct rd line, bool overlong)
{
	struct rd l = line;

	if (is_blank(line))
		return TAG_OK;
	if (!eat(&l, "#"))
		return scan_uri(s, line, overlong);
	if (overlong) {
		/* any long line is bad, but a STREAM-INF still says what
		 * the next URI line is */
		l = line;
		if (eat(&l, "#EXT-X-STREAM-INF:"))
			tag_stream_inf(s, (struct rd){ NULL, 0 });
		return TAG_BAD;
	}
	if (!eat(&l, "EXT"))
		return TAG_OK;   /* 4.1: a comment */
	return scan_tag(s, line);
}

/*
 * Carve the next line (without its LF or CRLF) out of in. A CR right before
 * the end of input counts as a line end too (a CRLF cut at its LF). 4.1:
 * only LF and CRLF end lines; a lone CR inside a line is a byte of it.
 */
static void
next_line(struct rd *in, struct rd *line, bool *overlong)
{
	const uint8_t *lf = memchr(in->p, '\n', in->left);
	size_t n = lf != NULL ? (size_t)(lf - in->p) : in->left;

	rd_sub(in, n, line);
	rd_skip(in, 1);   /* the LF; fails harmlessly at the end */
	if (line->left > 0 && line->p[line->left - 1] == '\r')
		line->left--;
	*overlong = line->left > M3U8_LINE_MAX;
}

/*
 * Scan len bytes at data into *info (see m3u8_scan.h). Borrows data; on
 * success *info owns uris (free with m3u8_info_fini). Pure: any thread.
 */
int
m3u8_scan(const void *data, size_t len, struct m3u8_info *info)
{
	struct scan s = { .info = info };
	struct rd in, line, l;
	bool overlong;
	int rc = 0;

	if (info == NULL)
		return -EINVAL;
	info_empty(info);
	if (data == NULL || len == 0 || len > M3U8_MAX_BYTES) {
		rc = -EPROTO;
		goto out;
	}
	rd_init(&in, data, len);
	/* 4.3.1.1: EXTM3U MUST be the first line. 4.1: no BOM, so none is
	 * skipped. Trailing white space on that line is tolerated. */
	next_line(&in, &line, &overlong);
	l = line;
	if (overlong || !eat(&l, "#EXTM3U") || !is_blank(l)) {
		rc = -EPROTO;
		goto out;
	}
	while (in.left > 0) {
		next_line(&in, &line, &overlong);
		rc = scan_line(&s, line, overlong);
		if (rc < 0)
			goto out;
		if (rc == TAG_BAD)
			info->n_bad++;
		rc = 0;
	}
	unroll(&s);
out:
	if (rc != 0)
		m3u8_info_fini(info);
	return rc;
}

/* ---- m3u8_resolve: RFC 3986 5.2 for a path-only base ---------------------- */

/* RFC 3986 2.2, 2.3: the bytes a path (and, with '?', a query) may hold
 * besides pct-encoded: unreserved / sub-delims / ":" / "@" / "/". */
static bool
is_pchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;
	return c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

static bool
is_hex(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

/*
 * Split s into path and query (after '?', which may itself hold '?'), and
 * check every byte: pchar or "%" HEXDIG HEXDIG. A '#' (fragment), control
 * bytes, space, non-ASCII and the like make the whole reference invalid.
 */
static int
split_check(const char *s, struct rd *path, struct rd *query, bool *has_query)
{
	struct rd in;
	uint8_t c, h1, h2;
	bool in_query = false;

	rd_init(&in, s, strlen(s));
	*path = in;
	*has_query = false;
	while (rd_u8(&in, &c) == 0) {
		if (c == '?' && !in_query) {
			in_query = true;
			*has_query = true;
			path->left -= in.left + 1;
			*query = in;
			continue;
		}
		if (c == '%') {
			if (rd_u8(&in, &h1) != 0 || rd_u8(&in, &h2) != 0 ||
			    !is_hex(h1) || !is_hex(h2))
				return -EINVAL;
			continue;
		}
		if (!is_pchar(c) && !(in_query && c == '?'))
			return -EINVAL;
	}
	if (!*has_query)
		rd_init(query, NULL, 0);
	return 0;
}

/* RFC 3986 3.1 / 4.2: a ':' before any '/' means a scheme ("http:"), or,
 * when what precedes is not a scheme, an invalid relative reference. */
static int
check_scheme(struct rd path)
{
	const uint8_t *colon = memchr(path.p, ':', path.left);
	const uint8_t *slash = memchr(path.p, '/', path.left);
	struct rd scheme;
	uint8_t c;

	if (colon == NULL || (slash != NULL && slash < colon))
		return 0;
	if (rd_sub(&path, (size_t)(colon - path.p), &scheme) != 0 ||
	    rd_u8(&scheme, &c) != 0 || !((c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z')))
		return -EINVAL;
	while (rd_u8(&scheme, &c) == 0)
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))
			return -EINVAL;
	return -EXDEV;
}

/* 0: a normal segment; 1: "."; 2: ".."; -1: a dot segment spelled with
 * %2E, which some servers decode before normalising: refused. */
static int
dot_segment(const uint8_t *p, size_t n)
{
	size_t dots = 0, i = 0;
	bool encoded = false;

	while (i < n) {
		if (p[i] == '.') {
			i++;
		} else if (n - i >= 3 && p[i] == '%' && p[i + 1] == '2' &&
		    (p[i + 2] == 'e' || p[i + 2] == 'E')) {
			encoded = true;
			i += 3;
		} else {
			return 0;
		}
		dots++;
	}
	if (dots == 0 || dots > 2)
		return 0;
	return encoded ? -1 : (int)dots;
}

/*
 * The path to resolve is the concatenation of span[0] and span[1], each
 * without a leading '/', the first (when non-empty) ending with '/'. RFC
 * 3986 5.2.4 remove_dot_segments, run from the right: a ".." eats the
 * nearest normal segment to its left; one left over would climb above the
 * root (-EINVAL; RFC 3986 would drop it silently). A final "." or ".."
 * leaves a trailing '/'. With out == NULL only the length is computed;
 * else the survivors are written backwards, ending at out[len].
 */
static int
remove_dots(const struct rd span[2], char *out, size_t len, size_t *res_len)
{
	size_t total = 0, pos = len, end, start, k, pending = 0;
	int s, d;
	bool last = true;

	for (s = 1; s >= 0; s--) {
		end = span[s].left;
		if (s == 0 && end > 0)
			end--;                  /* its trailing '/' */
		else if (s == 0)
			continue;               /* empty: no segments */
		for (;;) {
			start = end;
			while (start > 0 && span[s].p[start - 1] != '/')
				start--;
			d = dot_segment(span[s].p + start, end - start);
			if (d < 0)
				return -EINVAL;
			if (d > 0 && last) {
				total += 1;     /* trailing "/" */
				if (out != NULL)
					out[--pos] = '/';
			}
			if (d == 2) {
				pending++;
			} else if (d == 0 && pending > 0) {
				pending--;
			} else if (d == 0) {
				k = end - start;
				total += 1 + k;
				if (out != NULL) {
					pos -= k;
					memcpy(out + pos, span[s].p + start, k);
					out[--pos] = '/';
				}
			}
			last = false;
			if (start == 0)
				break;
			end = start - 1;
		}
	}
	if (pending > 0)
		return -EINVAL;
	*res_len = total;
	return 0;
}

/*
 * Resolve uri against base_path into out (outlen bytes, NUL included). See
 * m3u8_resolve.h. Borrows both strings. On error out is "" (when outlen >
 * 0): no caller ever sees a partial path. Pure: any thread.
 */
int
m3u8_resolve(const char *base_path, const char *uri, char *out, size_t outlen)
{
	struct rd bpath, bquery, rpath, rquery, span[2], q;
	bool b_has_q, r_has_q;
	size_t plen, n;
	int rc;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (base_path == NULL || uri == NULL || out == NULL || outlen == 0)
		return -EINVAL;
	if ((rc = split_check(uri, &rpath, &rquery, &r_has_q)) != 0)
		goto out;
	/* 3.1: a scheme; 4.2: "//" starts an authority. Not ours. */
	if ((rc = check_scheme(rpath)) != 0)
		goto out;
	if (rpath.left >= 2 && rpath.p[0] == '/' && rpath.p[1] == '/') {
		rc = -EXDEV;
		goto out;
	}
	/* our own request path, but still: absolute, and no authority */
	rc = -EINVAL;
	if (split_check(base_path, &bpath, &bquery, &b_has_q) != 0 ||
	    bpath.left == 0 || bpath.p[0] != '/' ||
	    (bpath.left >= 2 && bpath.p[1] == '/'))
		goto out;
	rd_skip(&bpath, 1);
	/* 5.2.2 with a path-only base */
	rd_init(&span[0], NULL, 0);
	if (rpath.left == 0) {
		span[1] = bpath;           /* "" or "?q": the base itself */
		q = r_has_q ? rquery : bquery;
		r_has_q = r_has_q || b_has_q;
	} else if (rpath.p[0] == '/') {
		rd_skip(&rpath, 1);
		span[1] = rpath;
		q = rquery;
	} else {
		/* 5.2.3 merge: the base up to its last '/', then uri */
		span[0] = bpath;
		while (span[0].left > 0 &&
		    span[0].p[span[0].left - 1] != '/')
			span[0].left--;
		span[1] = rpath;
		q = rquery;
	}
	if ((rc = remove_dots(span, NULL, 0, &plen)) != 0)
		goto out;
	rc = -EINVAL;
	n = plen + (r_has_q ? 1 + q.left : 0);
	if (n >= outlen)
		goto out;
	remove_dots(span, out, plen, &plen);
	/* 5.3: a path starting "//" would read as an authority */
	if (plen >= 2 && out[1] == '/')
		goto out;
	if (r_has_q) {
		out[plen] = '?';
		memcpy(out + plen + 1, q.p, q.left);
	}
	out[n] = '\0';
	rc = 0;
out:
	if (rc != 0)
		out[0] = '\0';
	return rc;
}
