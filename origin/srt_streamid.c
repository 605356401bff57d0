/*
 * srt_streamid: the SRT stream ID as a stream key; see srt_streamid.h.
 *
 * Design: one pass over [sid, sid + len) with a bounded cursor; each pair is
 * carved out up to the next ',' and split at its first '=' (values may hold
 * '=', as base64 keys do; they cannot hold ',', which the spec reserves).
 * Everything copied is length-checked against its field first.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "srt_streamid.h"

#define KEYED_PREFIX "#!::"

/* A bounded view of the input: [p, p + n). */
struct span {
	const char *p;
	size_t n;
};

static bool
span_eq(struct span s, const char *lit)
{
	size_t l = strlen(lit);

	return s.n == l && memcmp(s.p, lit, l) == 0;
}

/* Copy s into out[cap] as a C string; -EPROTO when it does not fit. */
static int
span_copy(struct span s, char *out, size_t cap)
{
	if (s.n >= cap)
		return -EPROTO;
	memcpy(out, s.p, s.n);
	out[s.n] = '\0';
	return 0;
}

static int
set_field(struct span v, char *out, size_t cap, unsigned bit, unsigned *seen)
{
	if (*seen & bit)
		return -EPROTO;  /* a key given twice: ambiguous, refuse */
	*seen |= bit;
	return span_copy(v, out, cap);
}

static int
parse_pair(struct span k, struct span v, struct srt_streamid *out, unsigned *seen)
{
	if (span_eq(k, "r"))
		return v.n == 0 ? -EPROTO : set_field(v, out->key, sizeof(out->key), 1u, seen);
	if (span_eq(k, "u"))
		return set_field(v, out->user, sizeof(out->user), 2u, seen);
	if (span_eq(k, "h"))
		return set_field(v, out->host, sizeof(out->host), 4u, seen);
	if (span_eq(k, "s"))
		return set_field(v, out->session, sizeof(out->session), 8u, seen);
	if (span_eq(k, "m")) {
		if (*seen & 16u)
			return -EPROTO;
		*seen |= 16u;
		if (span_eq(v, "request"))
			out->mode = SRT_SID_REQUEST;
		else if (span_eq(v, "publish"))
			out->mode = SRT_SID_PUBLISH;
		else if (span_eq(v, "bidirectional"))
			out->mode = SRT_SID_BIDIRECTIONAL;
		else
			return -EINVAL;
		return 0;
	}
	if (span_eq(k, "t")) {
		if (*seen & 32u)
			return -EPROTO;
		*seen |= 32u;
		if (span_eq(v, "stream"))
			out->type = SRT_SID_STREAM;
		else if (span_eq(v, "file"))
			out->type = SRT_SID_FILE;
		else if (span_eq(v, "auth"))
			out->type = SRT_SID_AUTH;
		else
			return -EINVAL;
		return 0;
	}
	return 0;  /* AccessControl.md: keys the application does not know are ignored */
}

static int
parse_keyed(struct span in, struct srt_streamid *out)
{
	unsigned seen = 0;
	int rc;

	if (in.n == 0)
		return -EPROTO;
	while (in.n > 0) {
		const char *comma = memchr(in.p, ',', in.n);
		struct span pair = { in.p, comma ? (size_t)(comma - in.p) : in.n };
		const char *eq = memchr(pair.p, '=', pair.n);
		struct span k, v;

		if (eq == NULL || eq == pair.p)
			return -EPROTO;  /* a pair is key=value, with a key */
		k.p = pair.p;
		k.n = (size_t)(eq - pair.p);
		v.p = eq + 1;
		v.n = pair.n - k.n - 1;
		if ((rc = parse_pair(k, v, out, &seen)) != 0)
			return rc;
		if (comma == NULL)
			break;
		in.p = comma + 1;
		in.n -= pair.n + 1;
		if (in.n == 0)
			return -EPROTO;  /* a trailing comma */
	}
	return (seen & 1u) ? 0 : -ENOENT;
}

int
srt_streamid_parse(const char *sid, size_t len, struct srt_streamid *out)
{
	size_t pl = strlen(KEYED_PREFIX);
	int rc;

	memset(out, 0, sizeof(*out));
	if (sid == NULL || len == 0 || len > SRT_STREAMID_MAX) {
		rc = -EPROTO;
		goto out;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)sid[i];
		if (c < 0x20 || c == 0x7f) {
			rc = -EPROTO;  /* also a NUL inside: the key would be cut short */
			goto out;
		}
	}
	if (len >= pl && memcmp(sid, KEYED_PREFIX, pl) == 0) {
		struct span in = { sid + pl, len - pl };
		out->is_keyed = 1;
		rc = parse_keyed(in, out);
	} else if (len >= 2 && sid[0] == '#' && sid[1] == '!') {
		rc = -EPROTO;  /* "#!:{...}" and other reserved forms are not supported */
	} else {
		struct span in = { sid, len };
		out->mode = SRT_SID_PUBLISH;
		rc = span_copy(in, out->key, sizeof(out->key));
	}
out:
	if (rc != 0)
		explicit_bzero(out, sizeof(*out));  /* zero, and never optimized away */
	return rc;
}

const char *
srt_streamid_mode_name(enum srt_sid_mode m)
{
	switch (m) {
	case SRT_SID_PUBLISH:
		return "publish";
	case SRT_SID_BIDIRECTIONAL:
		return "bidirectional";
	case SRT_SID_REQUEST:
	default:
		return "request";
	}
}
