/*
 * m3u8_token: carry a playback token into a playlist; see m3u8_token.h.
 *
 * Design: one pass over the lines (RFC 8216 4.1: lines end in LF or CRLF),
 * each line handled within its own bounds. A URI line is rewritten whole;
 * a tag line's attribute list (RFC 8216 4.2: AttributeName=AttributeValue
 * pairs separated by commas, quoted strings never containing '"', CR or LF)
 * is walked attribute by attribute, so a 'URI="' inside another
 * attribute's quoted string is never taken for the URI attribute. Output
 * goes through put(), which checks the ceiling before every append.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "m3u8_token.h"
#include "play_token.h"

struct rw {
	struct buf *out;
	const char *token;
	size_t token_len;
	int err;
};

static void
put(struct rw *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	if (w->out->len + n > M3U8_TOKEN_OUT_MAX) {
		w->err = -E2BIG;
		return;
	}
	if (buf_append(w->out, p, n) != 0)
		w->err = w->out->err == -ENOMEM ? -ENOMEM : -E2BIG;
}

static bool
is_alpha(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* RFC 3986 4.2: a relative reference has no scheme and no authority. */
static bool
is_relative(const char *u, size_t n)
{
	if (n == 0)
		return false;   /* nothing to carry a token */
	if (n >= 2 && u[0] == '/' && u[1] == '/')
		return false;
	if (is_alpha((unsigned char)u[0])) {
		/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":" */
		for (size_t i = 1; i < n; i++) {
			unsigned char c = (unsigned char)u[i];
			if (c == ':')
				return false;
			if (!(is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
			    c == '.'))
				break;
		}
	}
	return true;
}

/* One URI, with the token added before any fragment when it is relative. */
static void
put_uri(struct rw *w, const char *u, size_t n)
{
	const char *hash, *q;
	size_t f;

	if (!is_relative(u, n)) {
		put(w, u, n);
		return;
	}
	hash = memchr(u, '#', n);
	f = hash ? (size_t)(hash - u) : n;
	q = memchr(u, '?', f);
	put(w, u, f);
	put(w, q ? "&token=" : "?token=", 7);
	put(w, w->token, w->token_len);
	put(w, u + f, n - f);
}

/* A tag line [p, end): rewrite each URI="..." attribute. */
static void
put_tag(struct rw *w, const char *p, const char *end)
{
	const char *colon = memchr(p, ':', (size_t)(end - p));
	const char *cp = p, *s;
	bool at_start = true;

	if (colon == NULL || end - p < 4 || memcmp(p, "#EXT", 4) != 0) {
		put(w, p, (size_t)(end - p));
		return;
	}
	for (s = colon + 1; s < end; s++) {
		if (at_start && end - s >= 5 && memcmp(s, "URI=\"", 5) == 0) {
			const char *vs = s + 5;
			const char *qe = memchr(vs, '"', (size_t)(end - vs));
			if (qe == NULL)
				break;   /* unterminated: copy the rest as is */
			put(w, cp, (size_t)(vs - cp));
			put_uri(w, vs, (size_t)(qe - vs));
			cp = qe;
			s = qe;      /* the closing quote; the loop steps past it */
			at_start = false;
			continue;
		}
		if (*s == '"') {
			const char *qe = memchr(s + 1, '"', (size_t)(end - s - 1));
			if (qe == NULL)
				break;
			s = qe;
			at_start = false;
			continue;
		}
		at_start = *s == ',';
	}
	put(w, cp, (size_t)(end - cp));
}

static bool
token_ok(const char *t, size_t n)
{
	if (n == 0 || n > PLAY_TOKEN_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];
		if (!(is_alpha(c) || (c >= '0' && c <= '9') || strchr("._:/~-", c) != NULL) ||
		    c == 0)
			return false;
	}
	return true;
}

int
m3u8_token_rewrite(const uint8_t *in, size_t n, const char *token, struct buf *out)
{
	struct rw w = { .out = out, .token = token };
	const char *p = (const char *)in, *end = p + n;

	if (token == NULL)
		return -EINVAL;
	w.token_len = strnlen(token, PLAY_TOKEN_MAX + 1);
	if (!token_ok(token, w.token_len))
		return -EINVAL;
	while (p < end && !w.err) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;     /* line end, before LF */
		const char *ce = le;                /* content end, before CR and blanks */
		const char *ls = p;

		while (ce > ls && (ce[-1] == '\r' || ce[-1] == ' ' || ce[-1] == '\t'))
			ce--;
		if (ce == ls)
			put(&w, ls, (size_t)(ce - ls));
		else if (*ls == '#')
			put_tag(&w, ls, ce);
		else
			put_uri(&w, ls, (size_t)(ce - ls));
		/* what follows the content: blanks, CR, LF */
		put(&w, ce, (size_t)(le - ce) + (nl ? 1 : 0));
		p = nl ? nl + 1 : end;
	}
	return w.err;
}
