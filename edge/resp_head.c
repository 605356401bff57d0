/*
 * resp_head: the upstream response head; see resp_head.h.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

#include "play_token.h"
#include "resp_head.h"

/* "Name: value": the trimmed value when the line is that header. */
static bool
hdr_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
	size_t nl = strlen(name);

	if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl) != 0)
		return false;
	line += nl + 1;
	n -= nl + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	*val = line;
	*vlen = n;
	return true;
}

static void
copy_val(char *dst, size_t dstlen, const char *v, size_t n)
{
	if (n >= dstlen)
		n = dstlen - 1;  /* cut: these values are short in practice */
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Decimal digits only, no sign, no overflow; -1 otherwise. */
static int64_t
parse_i64(const char *v, size_t n)
{
	int64_t x = 0;

	if (n == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9' || x > (INT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (v[i] - '0');
	}
	return x;
}

/* Append "Name: value\n" to a bounded list; drops what does not fit, and
 * any line with control bytes (it would end up in a viewer's response). */
static void
keep_line(char *list, size_t cap, size_t *len, const char *line, size_t n)
{
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
		n--;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return;
	if (*len + n + 2 > cap)
		return;
	memcpy(list + *len, line, n);
	*len += n;
	list[(*len)++] = '\n';
	list[*len] = '\0';
}

void
resp_head_reset(struct resp_head *h)
{
	h->status = 0;
	h->ctype[0] = h->etag[0] = h->lastmod[0] = h->cc[0] = '\0';
	h->extra[0] = h->internal[0] = '\0';
	h->extra_len = h->internal_len = 0;
	h->customer[0] = h->stream[0] = '\0';
	h->access = -1;
	h->clen = -1;
	h->age_s = 0;
}

enum resp_line
resp_head_line(struct resp_head *h, const char *line, size_t n)
{
	const char *v;
	size_t vn;

	if (n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
		/* A new head (an interim 1xx is followed by another). */
		const char *sp = memchr(line, ' ', n);
		resp_head_reset(h);
		if (sp && (size_t)(sp - line) + 4 <= n) {
			int64_t st = parse_i64(sp + 1, 3);
			h->status = st >= 100 && st <= 999 ? (int)st : 0;
		}
		return RESP_STATUS;
	}
	if (n == 0 || (n <= 2 && (line[0] == '\r' || line[0] == '\n')))
		return RESP_END;
	if (hdr_is(line, n, "Content-Type", &v, &vn))
		copy_val(h->ctype, sizeof(h->ctype), v, vn);
	else if (hdr_is(line, n, "ETag", &v, &vn))
		copy_val(h->etag, sizeof(h->etag), v, vn);
	else if (hdr_is(line, n, "Last-Modified", &v, &vn))
		copy_val(h->lastmod, sizeof(h->lastmod), v, vn);
	else if (hdr_is(line, n, "Cache-Control", &v, &vn)) {
		/* Several Cache-Control lines are one list (RFC 9110 5.3). */
		size_t cur = strlen(h->cc);
		if (cur && cur + 2 < sizeof(h->cc)) {
			h->cc[cur++] = ',';
			h->cc[cur] = '\0';
		}
		if (cur + 1 < sizeof(h->cc))
			copy_val(h->cc + cur, sizeof(h->cc) - cur, v, vn);
	} else if (hdr_is(line, n, "Content-Length", &v, &vn))
		h->clen = parse_i64(v, vn);
	else if (hdr_is(line, n, "Age", &v, &vn)) {
		int64_t a = parse_i64(v, vn);
		h->age_s = a > 0 && a < 86400 * 365 ? a : 0;
	} else if (n > 16 && strncasecmp(line, "Access-Control-", 15) == 0)
		keep_line(h->extra, sizeof(h->extra), &h->extra_len, line, n);
	else if (n > 6 && strncasecmp(line, "X-CDN-", 6) == 0) {
		if (hdr_is(line, n, "X-CDN-Customer", &v, &vn))
			copy_val(h->customer, sizeof(h->customer), v, vn);
		else if (hdr_is(line, n, "X-CDN-Stream", &v, &vn))
			copy_val(h->stream, sizeof(h->stream), v, vn);
		else if (hdr_is(line, n, "X-CDN-Access", &v, &vn)) {
			enum play_access m;
			/* An unknown mode is not "public": fail closed. */
			h->access = play_access_parse(v, vn, &m) == 0 ? (int)m : (int)PLAY_TOKEN;
		}
		keep_line(h->internal, sizeof(h->internal), &h->internal_len, line, n);
	}
	return RESP_HEADER;
}
